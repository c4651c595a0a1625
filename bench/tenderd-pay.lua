-- wrk script for bench/tenderd-load.sh: one authorization per request on the
-- no-op method bench_noop (what tender-bench authorize-durable measures in
-- process), through tenderd's POST /v1/payments.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TENDER_API_KEY")
wrk.body = '{"method": "bench_noop", "amount": "10.00", "currency": "USD", "region": "US",' ..
           ' "account": "bench-load"}'
