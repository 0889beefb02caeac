"""Made-up people for the sandbox: Chinese names, genders, add times and avatar pictures."""

from __future__ import annotations

import hashlib
import random
from html import escape
from itertools import accumulate

from aiohttp import web

from wecom.sandbox.gate import WORLD
from wecom.sandbox.state import Customer, World

routes = web.RouteTableDef()

# The commonest surnames first, so a draw weighted by position looks like a real population.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
)
SURNAME_WEIGHTS = list(accumulate(1.0 / (i + 8) for i in range(len(SURNAMES))))
MALE = "伟强磊军洋勇杰涛明超斌鹏辉刚健波宇浩凯俊峰建华志文博晨睿泽昊轩然航毅诚康宁豪哲翔坤"
FEMALE = "芳娜敏静丽艳娟霞燕秀玲婷雪琳颖倩欣慧佳悦璐晶萍红梅琪瑶怡彤涵萱妍雯嘉薇莉馨月蕾"
COLOURS = ("#1677ff", "#13a8a8", "#52c41a", "#fa8c16", "#eb2f96", "#722ed1", "#2f54eb", "#a0d911")
YEAR = 365 * 86400


def person(rng: random.Random) -> tuple[str, int]:
    """A (name, gender) pair: gender 1 male, 2 female; given names of one or two characters."""
    surname = rng.choices(SURNAMES, cum_weights=SURNAME_WEIGHTS)[0]
    gender = rng.choice((1, 2))
    pool = MALE if gender == 1 else FEMALE
    given = rng.choice(pool) + (rng.choice(pool) if rng.random() < 0.7 else "")
    return surname + given, gender


def made_up_customer(
    world: World, ext: str, name: str | None = None, unionid: str = ""
) -> Customer:
    """A WeChat user as WeCom would describe them. A name given by the caller is kept, even
    an empty one (WeCom answers some accounts, e.g. closed ones, without a name); None (not
    given) makes one up."""
    made, gender = person(world.rng)
    return Customer(ext, made if name is None else str(name), unionid, gender=gender)


def added_at(rng: random.Random, now: int, years: float = 2.0) -> int:
    """When a pre-existing friendship began: some time in the last `years`."""
    return now - rng.randrange(3600, int(years * YEAR))


def avatar_url(base: str, key: str) -> str:
    """The picture WeCom would host for a person the sandbox made up (served below)."""
    return f"{base}/sandbox/avatar/{key}.svg"


@routes.get("/sandbox/avatar/{key}.svg")
async def avatar(request: web.Request) -> web.Response:
    """A round badge with the person's first character, coloured by their id."""
    key = request.match_info["key"]
    name = ""
    for corp in request.app[WORLD].corps.values():
        customer = corp.customers.get(key)
        if customer is not None:
            name = customer.name
            break
    colour = COLOURS[hashlib.sha1(key.encode()).digest()[0] % len(COLOURS)]
    initial = escape(name[:1] or "客")
    svg = (
        "<svg xmlns='http://www.w3.org/2000/svg' width='64' height='64' viewBox='0 0 64 64'>"
        f"<circle cx='32' cy='32' r='32' fill='{colour}'/>"
        "<text x='32' y='42' font-size='28' text-anchor='middle' fill='#fff' "
        f"font-family='sans-serif'>{initial}</text></svg>"
    )
    return web.Response(text=svg, content_type="image/svg+xml", charset="utf-8")
