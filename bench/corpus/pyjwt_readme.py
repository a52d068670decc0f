# PyJWT README, "Usage"
import jwt

encoded = jwt.encode({"some": "payload"}, "secret", algorithm="HS256")
print(encoded)
print(jwt.decode(encoded, "secret", algorithms=["HS256"]))
