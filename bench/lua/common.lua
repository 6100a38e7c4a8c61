-- Shared by the wrk scripts: a random seeded user id per request, and the PAT.
local ids = {}
local counter = 0

function load_ids()
  for line in io.lines(os.getenv("BENCH_IDS")) do ids[#ids + 1] = line end
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 100000)
end

function random_id() return ids[math.random(#ids)] end

function next_counter()
  counter = counter + 1
  return counter
end

auth = "Bearer " .. (os.getenv("BENCH_PAT") or "")
