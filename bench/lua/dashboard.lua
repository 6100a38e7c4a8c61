-- The console's dashboard (`/`) with a signed-in session: counts and charts over all users.
function request()
  return wrk.format("GET", "/", { ["Cookie"] = os.getenv("BENCH_COOKIE") })
end
