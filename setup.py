"""The package's build (``pip install .``, as production installs it) compiles the message
catalogues: each ``homeshare/translations/<language>/LC_MESSAGES/messages.po`` becomes the
``messages.mo`` the service reads, inside the built package. Everything else about the package
is in pyproject.toml. (A development checkout compiles them in place: ``make translations``.)"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

CATALOGUES = "homeshare/translations"


class BuildWithCatalogues(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return  # the checkout is imported in place: make translations compiles there
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for po in sorted(Path(CATALOGUES).glob("*/LC_MESSAGES/messages.po")):
            language = po.parent.parent.name
            with po.open("rb") as source:
                catalogue = read_po(source, locale=language)
            target = Path(self.build_lib) / po.with_suffix(".mo")
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("wb") as mo:
                write_mo(mo, catalogue)


setup(cmdclass={"build_py": BuildWithCatalogues})
