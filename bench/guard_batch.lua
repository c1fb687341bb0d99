-- bench/guard_batch.lua — a wrk script that POSTs one batch to /v1/guard/check again and again:
-- the URLs of a file (one a line) as {"urls": [...]}, with an API key.
--   wrk ... -s bench/guard_batch.lua http://HOST:PORT/v1/guard/check -- API_KEY URLS_FILE
local function json_string(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    if c == '"' or c == '\\' then return '\\' .. c end
    return string.format('\\u%04x', c:byte())
  end) .. '"'
end

function init(args)
  local urls = {}
  for line in io.lines(args[2]) do
    if #line > 0 then urls[#urls + 1] = json_string(line) end
  end
  wrk.method = "POST"
  wrk.body = '{"urls":[' .. table.concat(urls, ",") .. ']}'
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. args[1]
end
