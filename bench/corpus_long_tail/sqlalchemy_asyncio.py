# expect: success
# SQLAlchemy documentation, "Asynchronous I/O (asyncio)" synopsis, with aiosqlite; SQLAlchemy
# without greenlet says "the greenlet library is required" (its `asyncio` extra brings it).
import asyncio

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine


async def main():
    engine = create_async_engine("sqlite+aiosqlite:///:memory:")
    async with engine.connect() as conn:
        print((await conn.execute(text("select 'hello world'"))).scalar())
    await engine.dispose()


asyncio.run(main())
