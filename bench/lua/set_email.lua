package.path = package.path .. ";" .. os.getenv("BENCH_LUA") .. "/?.lua"
require("common")
local tag
function init(args) load_ids(); tag = tostring(math.random(1, 1e9)) end
function request()
  local id = random_id()
  local body = '{"email":"b' .. tag .. "-" .. next_counter() .. '@bench.test","' .. os.getenv("BENCH_MODE") .. '":{}}'
  return wrk.format("POST", "/v2/users/" .. id .. "/email",
    { ["Authorization"] = auth, ["Content-Type"] = "application/json" }, body)
end
