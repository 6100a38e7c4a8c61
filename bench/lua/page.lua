package.path = package.path .. ";" .. os.getenv("BENCH_LUA") .. "/?.lua"
require("common")
function init(args) load_ids() end
function request()
  return wrk.format("GET", "/users/" .. random_id(), { ["Cookie"] = os.getenv("BENCH_COOKIE") })
end
