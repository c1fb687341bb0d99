-- bench/ledger.lua — wrk script for bench/ledger.sh: sends each request of a prepared list
-- exactly once, spread over wrk's threads, then stops.
--
--   wrk -tT ... -s bench/ledger.lua URL -- notify FILE T DONE    FILE: "ts nonce signature body"
--                                                        per line (signed sandbox notifications)
--   wrk -tT ... -s bench/ledger.lua URL -- confirm FILE T DONE   FILE: one buyer token per line
--
-- Every line is a different order, so every request does real work (no replays). wrk itself
-- only stops at the end of -d, so when every thread has had all its answers the last one sends
-- wrk the SIGINT that ends a run early (threads count themselves done in the file given as
-- the fourth argument); wrk's duration and rate are then those of the whole list.
-- Requests that did not answer 2xx are counted and reported, and the script's own summary
-- line ("ledger.lua: sent N, non-2xx M") lets bench/ledger.sh check that none failed.

local threads = {}
local counter = 0

function setup(thread)
  thread:set("index", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

-- Per-thread state (globals of each thread's Lua state, so done() can read them with get()).
mode, lines, next_line, sent, answered, failed, index, finished = nil, nil, 1, 0, 0, 0, 0, false
local HEALTHZ_BODY = '{"status":"ok"}'

function init(args)
  mode = args[1]
  threads_total = tonumber(args[3])
  done_file = args[4]
  lines = {}
  local n = 0
  local stride = tonumber(args[3])
  index = tonumber(wrk.thread:get("index"))
  for line in io.lines(args[2]) do
    if n % stride == index then table.insert(lines, line) end
    n = n + 1
  end
  next_line, sent, answered, failed = 1, 0, 0, 0
end

local function notify_request(line)
  local ts, nonce, signature, body = line:match("^(%S+) (%S+) (%S+) (.*)$")
  return wrk.format("POST", "/notify/sandbox", {
    ["Content-Type"] = "application/json",
    ["X-Sandbox-Timestamp"] = ts,
    ["X-Sandbox-Nonce"] = nonce,
    ["X-Sandbox-Signature"] = signature,
  }, body)
end

local function confirm_request(token)
  return wrk.format("POST", "/v1/buyer/orders/" .. token .. "/confirm", {}, "")
end

local function format(line)
  if mode == "notify" then return notify_request(line) end
  return confirm_request(line)
end

-- wrk calls request() once on thread 0's state before the run, to check the script (its
-- script_verify_request()); that call must not use up a line.
local verified = false

function request()
  if index == 0 and not verified then
    verified = true
    return format(lines[1] or "")
  end
  local line = lines[next_line]
  if not line then
    -- This thread's share is sent: a connection that asks once more gets a cheap request
    -- (excluded from the counts below) after delay() has kept it idle past the run's end.
    return wrk.format("GET", "/healthz")
  end
  next_line = next_line + 1
  sent = sent + 1
  return format(line)
end

function delay()
  -- A connection with nothing left to send idles until the run ends, adding no samples.
  if next_line > #lines then return 60000 end
  return 0
end

function response(status, headers, body)
  if body ~= HEALTHZ_BODY then
    answered = answered + 1
    if status < 200 or status > 299 then failed = failed + 1 end
  end
  if answered >= #lines and not finished then
    finished = true
    wrk.thread:stop()
    finish_run()
  end
end

-- Counts this thread done; the last thread done interrupts wrk (see the file comment).
function finish_run()
  local f = io.open(done_file, "a")
  f:write(index, "\n")
  f:close()
  local n = 0
  for _ in io.lines(done_file) do n = n + 1 end
  if n == threads_total then
    local stat = io.open("/proc/self/stat")
    local pid = stat:read("*n")
    stat:close()
    -- io.popen, not os.execute: system() ignores SIGINT in the caller while its child runs.
    io.popen("kill -INT " .. pid):close()
  end
end

function done(summary, latency, requests)
  local total_sent, total_failed = 0, 0
  for _, t in ipairs(threads) do
    total_sent = total_sent + tonumber(t:get("sent") or 0)
    total_failed = total_failed + tonumber(t:get("failed") or 0)
  end
  io.write(string.format("ledger.lua: sent %d, non-2xx %d, seconds %.3f, p50_ms %.2f, p99_ms %.2f\n",
    total_sent, total_failed, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000))
end
