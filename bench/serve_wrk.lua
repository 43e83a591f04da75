-- bench/serve_wrk.lua - wrk script of bench/serve_bench.sh.
--   wrk ... -s bench/serve_wrk.lua URL -- get|post|check FILE
-- get:   GET /m/lookup?signal_type=pdq&signal=HEX (HMA's shape)
-- post:  POST /v1/lookup {"hashes":[{"type":"pdq","hash":HEX}]}
--        (one hash a request: the same work per request as get)
-- check: POST /v1/check with the raw bytes of a photo
-- FILE: query hashes, one a line (get, post), or photo paths (check); each
-- request takes a random one. done() prints one JSON line with requests/s
-- and latency percentiles (p99.9 too, which wrk --latency does not print).
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
end

local items = {}
local mode
-- Every request is formatted once, in init: wrk shares the 2 cores with the
-- server under test, and formatting each request in Lua (wrk.format) cost
-- load-generator CPU per request that the server then lacked.
local requests = {}
local function format(it)
  if mode == "get" then
    return wrk.format("GET", "/m/lookup?signal_type=pdq&signal=" .. it)
  elseif mode == "post" then
    return wrk.format("POST", "/v1/lookup", {["Content-Type"] = "application/json"},
      '{"hashes":[{"type":"pdq","hash":"' .. it .. '"}]}')
  else
    return wrk.format("POST", "/v1/check", {["Content-Type"] = "application/octet-stream"}, it)
  end
end

function init(args)
  mode = args[1]
  for line in io.lines(args[2]) do
    if line ~= "" then
      if mode == "check" then
        local f = assert(io.open(line, "rb"))
        items[#items + 1] = f:read("*a")
        f:close()
      else
        items[#items + 1] = line
      end
    end
  end
  math.randomseed(os.time() * 100 + (id or 0))
  for i = 1, #items do
    requests[i] = format(items[i])
  end
  items = nil -- (photos: only the formatted copies are kept)
end

function request()
  return requests[math.random(#requests)]
end

function done(summary, latency, requests)
  local s = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"seconds":%.3f,"rps":%.1f,"p50_ms":%.3f,"p99_ms":%.3f,"p999_ms":%.3f,' ..
    '"max_ms":%.3f,"errors_connect":%d,"errors_read":%d,"errors_write":%d,"errors_timeout":%d,' ..
    '"non_2xx":%d}\n',
    summary.requests, s, summary.requests / s, latency:percentile(50) / 1e3,
    latency:percentile(99) / 1e3, latency:percentile(99.9) / 1e3, latency.max / 1e3,
    e.connect, e.read, e.write, e.timeout, e.status))
end
