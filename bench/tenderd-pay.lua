-- wrk script for bench/tenderd-load.sh: one card authorization per request
-- (the card plugin's test card), through tenderd's POST /v1/payments.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TENDER_API_KEY")
wrk.body = '{"method": "card", "amount": "10.00", "currency": "USD", "region": "US",' ..
           ' "account": "bench-load", "params": {"number": "4242424242424242",' ..
           ' "exp_month": "12", "exp_year": "2031", "cvc": "737"}}'
