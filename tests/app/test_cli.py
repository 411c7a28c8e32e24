"""Operator commands work from scripts, without a terminal."""

from __future__ import annotations

from tests.helpers import assert_problem


def run(app, *args, env=None):
    return app.test_cli_runner().invoke(args=["homeshare", *args], env=env)


def test_create_scheme_with_first_coordinator(app, client):
    result = run(app, "create-scheme", "--slug", "york", "--name", "Homeshare York",
                 "--coordinator-email", "Lead@York.example.org", "--coordinator-password", "a long password")
    assert result.exit_code == 0, result.output
    login = client.post("/api/v1/auth/login", json={"email": "lead@york.example.org", "password": "a long password"})
    assert login.status_code == 200
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {login.json['access_token']}"}).json
    assert me["role"] == "coordinator" and me["scheme"]["slug"] == "york"


def test_create_scheme_takes_the_password_from_the_environment(app, client):
    result = run(app, "create-scheme", "--slug", "hull", "--name", "Hull", "--coordinator-email", "c@hull.example.org",
                 env={"HOMESHARE_COORDINATOR_PASSWORD": "from the environment"})
    assert result.exit_code == 0, result.output
    login = client.post("/api/v1/auth/login", json={"email": "c@hull.example.org", "password": "from the environment"})
    assert login.status_code == 200


def test_create_scheme_failures_leave_nothing_behind(app, client, make):
    make.scheme(slug="york")
    taken = run(app, "create-scheme", "--slug", "york", "--name", "Again",
                "--coordinator-email", "x@example.org", "--coordinator-password", "a long password")
    assert taken.exit_code != 0 and "already exists" in taken.output
    weak = run(app, "create-scheme", "--slug", "leeds", "--name", "Leeds",
               "--coordinator-email", "y@example.org", "--coordinator-password", "short")
    assert weak.exit_code != 0 and "password" in weak.output
    existing = make.coordinator(make.scheme(slug="hull"))
    clash = run(app, "create-scheme", "--slug", "bath", "--name", "Bath",
                "--coordinator-email", existing.email, "--coordinator-password", "a long password")
    assert clash.exit_code != 0
    admin = make.login(client, make.admin())
    slugs = {item["slug"] for item in client.get("/api/v1/schemes", headers=admin.headers).json["items"]}
    assert slugs == {"york", "hull"}  # neither leeds nor bath half-created
    for email in ("x@example.org", "y@example.org"):
        assert_problem(client.post("/api/v1/auth/login", json={"email": email, "password": "a long password"}), 401)


def test_create_admin(app, client):
    result = run(app, "create-admin", "--email", "ops@example.org", "--password", "an admin password")
    assert result.exit_code == 0, result.output
    login = client.post("/api/v1/auth/login", json={"email": "ops@example.org", "password": "an admin password"})
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {login.json['access_token']}"}).json
    assert me["role"] == "admin" and me["scheme"] is None


def test_seed_demo_is_repeatable_and_its_accounts_sign_in(app, client):
    first, second = run(app, "seed-demo"), run(app, "seed-demo")
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    assert "coordinator@demo.homeshare.test" in first.output
    for role in ("coordinator", "householder", "sharer"):
        login = client.post("/api/v1/auth/login",
                            json={"email": f"{role}@demo.homeshare.test", "password": "homeshare-demo"})
        assert login.status_code == 200
    coordinator = client.post("/api/v1/auth/login",
                              json={"email": "coordinator@demo.homeshare.test", "password": "homeshare-demo"}).json
    headers = {"Authorization": f"Bearer {coordinator['access_token']}"}
    scheme_id = client.get("/api/v1/me", headers=headers).json["scheme"]["id"]
    assert client.get(f"/api/v1/schemes/{scheme_id}/accounts", headers=headers).json["pagination"]["total"] == 3
