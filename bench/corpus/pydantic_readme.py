# Pydantic README, "A simple example"
from datetime import datetime
from typing import Optional

from pydantic import BaseModel


class User(BaseModel):
    id: int
    name: str = "John Doe"
    signup_ts: Optional[datetime] = None
    friends: list[int] = []


user = User(id="123", signup_ts="2017-06-01 12:22", friends=[1, "2", b"3"])
print(user.model_dump())
