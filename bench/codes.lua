-- bench/codes.lua — a wrk script that requests PREFIX .. CODE .. SUFFIX with a code picked at
-- random (per request) from a file of codes, one per line, so that a run spreads over the
-- whole catalogue instead of hitting one cached row.
--   wrk ... -s bench/codes.lua URL -- PREFIX SUFFIX CODES_FILE
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end

local codes, prefix, suffix = {}, "/", ""

function init(args)
  prefix, suffix = args[1], args[2] or ""
  for line in io.lines(args[3]) do codes[#codes + 1] = line end
  math.randomseed(os.time() * 100 + (id or 0))
end

function request()
  return wrk.format("GET", prefix .. codes[math.random(#codes)] .. suffix)
end
