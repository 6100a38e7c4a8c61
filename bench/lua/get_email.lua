package.path = package.path .. ";" .. os.getenv("BENCH_LUA") .. "/?.lua"
require("common")
function init(args) load_ids() end
function request()
  local path = os.getenv("BENCH_PATH_PREFIX") .. random_id() .. os.getenv("BENCH_PATH_SUFFIX")
  return wrk.format("GET", path, { ["Authorization"] = auth })
end
