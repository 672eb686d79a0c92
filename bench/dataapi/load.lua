-- wrk script for bench/dataapi: one workload's requests with the signed-in user's token.
--   wrk ... -s load.lua URL -- METHOD PATH TOKEN APIKEY [BODYFILE]
-- PATH may hold {ID} (a random id the user owns: a multiple of 10 up to 100,000) and {AFTER}
-- (a random id to page from: 0 .. 99,000). Every request carries apikey, Authorization and
-- Accept-Profile/Content-Profile: bench (the data API's schema header; the other servers ignore it).
local method, path, body
local headers = {}
local thread_id = 0
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("thread_id", next_id)
end

function init(args)
  method, path = args[1], args[2]
  headers["Authorization"] = "Bearer " .. args[3]
  headers["apikey"] = args[4]
  headers["Accept-Profile"] = "bench"
  headers["Content-Profile"] = "bench"
  if args[5] and #args[5] > 0 then
    local f = assert(io.open(args[5], "rb"))
    body = f:read("*a")
    f:close()
    headers["Content-Type"] = "application/json"
  end
  math.randomseed(os.time() + thread_id * 7919)
end

function request()
  local p = path
  if p:find("{ID}", 1, true) then p = p:gsub("{ID}", tostring(10 * math.random(1, 10000))) end
  if p:find("{AFTER}", 1, true) then p = p:gsub("{AFTER}", tostring(math.random(0, 99000))) end
  return wrk.format(method, p, headers, body)
end

function done(summary, latency, requests)
  local bad = summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout
  io.write(string.format("wrk-result %d %d %.3f %.2f\n", summary.requests, bad, summary.duration / 1e6,
    latency:percentile(99) / 1000))
end
