-- wrk script for bench/run.sh: POSTs a login with a wrong password per request, a
-- fresh name each time, as a flood of guessers would. Every attempt costs the server
-- an Argon2id verification (the benchmark runs with the login limits off), so this
-- is the heaviest work a client can ask for without an account.
-- Usage: wrk ... URL --script bench/login_flood.lua

local n = 0
statuses = {}
local threads = {}

function setup(thread)
    threads[#threads + 1] = thread
end

function request()
    n = n + 1
    local body = string.format('{"login":"flood%d","password":"not the password %d"}', n, n)
    return wrk.format("POST", "/api/v1/sessions", {["Content-Type"] = "application/json"}, body)
end

function response(status, headers, body)
    statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
    local counts = {}
    for _, t in ipairs(threads) do
        local s = t:get("statuses")
        for code, k in pairs(s or {}) do
            counts[code] = (counts[code] or 0) + k
        end
    end
    local parts = {}
    for code, k in pairs(counts) do
        parts[#parts + 1] = code .. ":" .. k
    end
    table.sort(parts)
    io.write("LOGINS " .. table.concat(parts, ",") .. "\n")
end
