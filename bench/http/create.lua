-- create.lua — wrk script for the durable key-creation benchmark (docs/benchmarks.md).
-- Usage: wrk ... -s bench/http/create.lua URL -- <tenant_id> <admin_key> <acked_file>
-- Each request creates a key with a fresh name; each 201 response's name is appended to
-- <acked_file>, so the run can check afterwards (after killing the server with SIGKILL)
-- that every acknowledged key is in the database.
local tenant, admin, acked_path
local counter = 0
local acked
local prefix

function init(args)
  tenant, admin, acked_path = args[1], args[2], args[3]
  acked = io.open(acked_path, "a")
  prefix = "load-" .. tostring(os.time()) .. "-" .. tostring(math.random(1000000)) .. "-"
end

function request()
  counter = counter + 1
  local body = '{"name":"' .. prefix .. counter .. '","never_expires":true}'
  return wrk.format("POST", "/v1/tenants/" .. tenant .. "/keys",
    { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. admin }, body)
end

function response(status, headers, body)
  if status == 201 then
    local name = body:match('"name":"([^"]+)"')
    if name then acked:write(name, "\n"); acked:flush() end
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests":%d,"duration_us":%d,"rps":%.1f,"p50_us":%d,"p90_us":%d,"p99_us":%d,"p999_us":%d,' ..
    '"max_us":%d,"socket_errors":%d,"non2xx":%d}\n',
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9),
    latency.max, e.connect + e.read + e.write + e.timeout, e.status))
end
