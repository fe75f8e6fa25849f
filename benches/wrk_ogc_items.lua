-- wrk script for benches/compare_ogc_items.sh: asks for OGC API – Features item pages, rotating
-- the offset over every page of the collection so that neither server answers one cached page.
-- wangge and the peer get exactly the same sequence of (limit, offset) pairs.
--
--   wrk ... -s benches/wrk_ogc_items.lua http://HOST:PORT -- ITEMS_PATH LIMIT MATCHED
--
-- ITEMS_PATH is e.g. "/ogc/collections/building/items"; MATCHED is the collection's numberMatched,
-- so the last offset still returns a full page (or the whole collection when LIMIT >= MATCHED).

local path, limit, pages
local i = 0
local thread_no = 0

function setup(thread)
  thread_no = thread_no + 1
  thread:set("start", thread_no * 7)
end

function init(args)
  path, limit = args[1], tonumber(args[2])
  local matched = tonumber(args[3])
  -- Offsets 0, limit, 2*limit, … up to the last full page.
  pages = math.max(1, math.floor((matched - limit) / limit) + 1)
  if limit >= matched then pages = 1 end
  i = start or 0
end

function request()
  i = i + 1
  local offset = (i % pages) * limit
  return wrk.format("GET", string.format("%s?f=json&limit=%d&offset=%d", path, limit, offset),
    { ["Accept"] = "application/geo+json" })
end

function done(summary, latency, requests)
  local s = summary
  io.write(string.format(
    "RESULT requests=%d requests_per_s=%.1f p50_ms=%.2f p99_ms=%.2f errors_connect=%d errors_read=%d errors_write=%d errors_status=%d errors_timeout=%d\n",
    s.requests, s.requests / (s.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    s.errors.connect, s.errors.read, s.errors.write, s.errors.status, s.errors.timeout))
end
