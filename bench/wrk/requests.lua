-- wrk script for bench/load.py: cycles through the requests of a file, one a line,
-- "METHOD<TAB>PATH<TAB>TOKEN<TAB>BODY" (an empty token sends no Authorization header,
-- an empty body no body). Each thread starts at its own place in the file.
--
--   wrk -t2 -c16 -d10s -s bench/wrk/requests.lua http://127.0.0.1:8000 -- requests.tsv

local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("number", threads)
end

local requests = {}
local index = 0

function init(args)
  local file = assert(io.open(args[1], "r"))
  for line in file:lines() do
    local method, path, token, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
    local headers = {}
    if token ~= "" then headers["Authorization"] = "Bearer " .. token end
    if body == "" then
      body = nil
    else
      headers["Content-Type"] = "application/json"
    end
    requests[#requests + 1] = wrk.format(method, path, headers, body)
  end
  file:close()
  index = ((number or 1) - 1) * math.floor(#requests / 7)
end

function request()
  index = index % #requests + 1
  return requests[index]
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d, "p50_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, errors.connect, errors.read, errors.write, errors.status,
    errors.timeout, latency:percentile(50), latency:percentile(99), latency.max))
end
