-- wrk script: POST the file named by WRK_BODY as application/json (scripts/load.sh, scripts/scale-out.sh).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = assert(io.open(assert(os.getenv("WRK_BODY"), "WRK_BODY names the body file"), "rb"))
wrk.body = f:read("*a")
f:close()
