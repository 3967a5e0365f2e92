-- load.lua — wrk script for the HTTP load benchmark (docs/benchmarks.md).
-- Usage: wrk ... -s bench/http/load.lua URL -- <mode> <sample.txt>
--   mode "verify": POST /v1/keys/verify {"key","tenant_id","ip"}
--   mode "authz":  GET /v1/authz with the key in X-API-Key and the tenant in X-Keyward-Tenant
-- sample.txt holds "<key> <tenant_id>" lines (90% loaded keys, 10% unknown ones, shuffled).
-- Every request also carries the key in X-API-Key, so the very same requests go to the
-- nginx peers (which ignore the body; the `map` peer checks that header).
-- Requests are formatted once in init(); request() only picks one at random, so the Lua
-- cost per request is as small as wrk allows and equal for keyward and the peers.
local reqs = {}

function init(args)
  local mode, file = args[1], args[2]
  for line in io.lines(file) do
    local key, tenant = line:match("^(%S+) (%S+)$")
    if key then
      if mode == "verify" then
        local body = '{"key":"' .. key .. '","tenant_id":"' .. tenant .. '","ip":"10.1.2.3"}'
        reqs[#reqs + 1] = wrk.format("POST", "/v1/keys/verify",
          { ["Content-Type"] = "application/json", ["X-API-Key"] = key }, body)
      else
        reqs[#reqs + 1] = wrk.format("GET", "/v1/authz",
          { ["X-API-Key"] = key, ["X-Keyward-Tenant"] = tenant }, nil)
      end
    end
  end
  math.randomseed(os.time())
end

function request()
  return reqs[math.random(#reqs)]
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
