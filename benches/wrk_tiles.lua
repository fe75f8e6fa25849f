-- wrk script for benches/compare_tiles.sh: requests the tile paths listed in a file, one per
-- line, in order and round and round (each thread starting at its own offset), so wangge and
-- the peer are asked for exactly the same tiles. Asks for gzip, as browsers do.
--
--   wrk ... -s benches/wrk_tiles.lua http://HOST:PORT -- LIST_FILE PREFIX
--
-- PREFIX is put before each listed "z/x/y" (e.g. "/tiles/grid/" with suffix ".mvt" for wangge).

local paths = {}
local i = 0
local thread_no = 0

function setup(thread)
  thread_no = thread_no + 1
  thread:set("offset", thread_no * 997)
end

function init(args)
  local list, prefix, suffix = args[1], args[2], args[3] or ""
  for line in io.lines(list) do
    if line ~= "" then
      paths[#paths + 1] = prefix .. line .. suffix
    end
  end
  i = offset or 0
end

function request()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1], { ["Accept-Encoding"] = "gzip" })
end

function done(summary, latency, requests)
  local s = summary
  io.write(string.format(
    "RESULT requests=%d requests_per_s=%.1f p50_ms=%.2f p99_ms=%.2f errors_connect=%d errors_read=%d errors_write=%d errors_status=%d errors_timeout=%d\n",
    s.requests, s.requests / (s.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    s.errors.connect, s.errors.read, s.errors.write, s.errors.status, s.errors.timeout))
end
