-- wrk script for bench/run.sh: POSTs a JSON comment per request, rotating over the
-- API tokens and story slugs given after "--" (comma-separated), so no single user
-- or story takes all 64 connections' posts. Counts answers by status.
-- Usage: wrk ... URL --script bench/post.lua -- TOKEN1,TOKEN2,... SLUG1,SLUG2,...

local tokens, slugs = {}, {}
local n = 0
statuses = {}
first_bad = ""
local threads = {}

local function split(s)
    local t = {}
    for item in string.gmatch(s or "", "[^,]+") do
        t[#t + 1] = item
    end
    return t
end

function setup(thread)
    threads[#threads + 1] = thread
end

function init(args)
    tokens = split(args[1])
    slugs = split(args[2])
    if #tokens == 0 or #slugs == 0 then
        error("post.lua needs TOKENS and SLUGS after --")
    end
end

function request()
    n = n + 1
    local token = tokens[(n % #tokens) + 1]
    local slug = slugs[(math.floor(n / #tokens) % #slugs) + 1]
    local body = string.format(
        '{"body":"Bench comment %d: *durable* words about the [story](https://example.org/%d), sent by poster %d."}',
        n, n, n % 64)
    return wrk.format("POST", "/api/v1/stories/" .. slug .. "/comments", {
        ["Content-Type"] = "application/json",
        ["Authorization"] = "Bearer " .. token,
    }, body)
end

function response(status, headers, body)
    statuses[status] = (statuses[status] or 0) + 1
    if status ~= 201 and first_bad == "" then
        first_bad = tostring(status) .. " " .. string.sub(body or "", 1, 300)
    end
end

function done(summary, latency, requests)
    local total = {}
    local bad_body = ""
    for _, thread in ipairs(threads) do
        local st = thread:get("statuses") or {}
        for code, count in pairs(st) do
            total[code] = (total[code] or 0) + count
        end
        local fb = thread:get("first_bad")
        if fb ~= nil and fb ~= "" and bad_body == "" then
            bad_body = fb
        end
    end
    local ok, bad, parts = 0, 0, {}
    for code, count in pairs(total) do
        if code == 201 then
            ok = ok + count
        else
            bad = bad + count
            parts[#parts + 1] = tostring(code) .. "=" .. tostring(count)
        end
    end
    io.write(string.format("POSTS_201 %d\n", ok))
    io.write(string.format("POSTS_NON201 %d %s\n", bad, table.concat(parts, ",")))
    if bad_body ~= "" then
        io.write("POSTS_FIRST_BAD " .. string.gsub(bad_body, "\n", " ") .. "\n")
    end
end
