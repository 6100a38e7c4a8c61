-- Console sign-ins through the JSON door of the sign-in form: BENCH_USERNAME with
-- BENCH_PASSWORD (right: argon2 behind its limit, a session written, the username's
-- failures cleared; wrong for a limited username: answered 429 from a read).
local body = "username=" .. os.getenv("BENCH_USERNAME") .. "&password=" .. os.getenv("BENCH_PASSWORD")
local origin = os.getenv("BENCH_ORIGIN")
function request()
  return wrk.format("POST", "/api/login",
    { ["Content-Type"] = "application/x-www-form-urlencoded", ["Origin"] = origin }, body)
end
