-- wrk script for bench/ledger: POST /api/v1/algorhythmic/credits/spend {"amount":1} with a fresh
-- Idempotency-Key per request, rotating over the bearer tokens in the file TOKENS (one per line).
-- Usage: wrk -t T -c C -d Ds -s spend.lua http://host:port -- TOKENS ANON_KEY
local tokens = {}
local anon
local counter = 0
local thread_id = 0
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("thread_id", next_id)
end

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then tokens[#tokens + 1] = line end
  end
  anon = args[2]
  math.randomseed(os.time() + thread_id * 7919)
end

function request()
  counter = counter + 1
  local token = tokens[(counter + thread_id) % #tokens + 1]
  local headers = {
    ["apikey"] = anon,
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = "wrk-" .. thread_id .. "-" .. counter .. "-" .. math.random(1, 2000000000),
  }
  return wrk.format("POST", "/api/v1/algorhythmic/credits/spend", headers, '{"amount":1,"description":"bench"}')
end

function done(summary, latency, requests)
  local non2xx = summary.errors.status
  io.write(string.format("wrk-result %d %d %.3f\n", summary.requests, non2xx, summary.duration / 1e6))
end
