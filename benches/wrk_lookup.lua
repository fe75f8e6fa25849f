-- wrk script for benches/http_lookup.sh: point lookups at random points of the demo city.
--
--   wrk ... -s benches/wrk_lookup.lua http://HOST:PORT                -- GET /api/v1/lookup?lon=..&lat=..
--   wrk ... -s benches/wrk_lookup.lua http://HOST:PORT -- batch 10000 -- POST /api/v1/lookup, 10,000 points a request
--
-- Points are uniform in the demo bounding box (113.997–114.040 E, 22.517–22.551 N), so most fall in
-- a grid and some outside it (those take the slower nearest-grid path, as real traffic would).
-- The generator is seeded per thread, so a run is repeatable.

local LON0, LON1 = 113.997, 114.040
local LAT0, LAT1 = 22.517, 22.551

local mode = "single"
local batch_size = 0
local thread_no = 0

-- Runs once per thread in the main Lua state, before the thread starts: number the threads so
-- each gets its own seed.
function setup(thread)
  thread_no = thread_no + 1
  thread:set("seed", thread_no)
end

local function random_point()
  return LON0 + math.random() * (LON1 - LON0), LAT0 + math.random() * (LAT1 - LAT0)
end

function init(args)
  math.randomseed(42 + (seed or 0))
  if args[1] == "batch" then
    mode = "batch"
    batch_size = tonumber(args[2]) or 10000
    -- One body per thread, built once: the bench measures the service, not Lua string building.
    local items = {}
    for i = 1, batch_size do
      local lon, lat = random_point()
      items[i] = string.format("[%.7f,%.7f]", lon, lat)
    end
    wrk.method = "POST"
    wrk.path = "/api/v1/lookup"
    wrk.headers["Content-Type"] = "application/json"
    wrk.body = "[" .. table.concat(items, ",") .. "]"
  end
end

function request()
  if mode == "batch" then
    return wrk.format()
  end
  local lon, lat = random_point()
  -- 7 decimals ≈ 1 cm, like a phone's GPS fix.
  return wrk.format("GET", string.format("/api/v1/lookup?lon=%.7f&lat=%.7f", lon, lat))
end

-- One machine-readable line for http_lookup.sh, alongside wrk's own report. done() runs in the
-- main Lua state, which never saw init(), so points per request are left to the caller.
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d requests_per_s=%.1f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f " ..
    "errors_connect=%d errors_read=%d errors_write=%d errors_status=%d errors_timeout=%d\n",
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    e.connect, e.read, e.write, e.status, e.timeout))
end
