"""A corp's pre-existing world made in one go: members, customers, relations, tags and groups."""

from __future__ import annotations

import random
from dataclasses import dataclass

from wecom.sandbox.config import SandboxStaff
from wecom.sandbox.people import added_at, person
from wecom.sandbox.state import CorpState, Customer, Group, Member, Relation

REMARK_SUFFIXES = ("总", "老师", "姐", "哥", "经理", "")
DESCRIPTIONS = ("老客户", "关注新品", "价格敏感", "要发票", "周末联系", "转介绍来的")
COMPANIES = ("星河科技", "海川贸易", "云帆教育", "启明医疗", "东方物流", "青禾餐饮")
POSITIONS = ("采购经理", "总经理", "行政主管", "市场总监", "财务")
GROUP_THEMES = ("VIP客户群", "新品体验群", "会员福利群", "售后服务群", "老客户交流群")
ADD_WAYS = (1, 1, 1, 2, 3, 4, 5, 6)  # mostly QR codes, as in a corp that uses 渠道活码
TAG_GROUPS = {
    "客户等级": ("重要客户", "普通客户", "潜在客户"),
    "来源": ("线下门店", "抖音", "转介绍"),
}


@dataclass
class WorldSpec:
    seed: int = 0
    members: int = 0  # at least this many members (made up as m0001, m0002, …)
    customers_per_member: int = 0
    shared: float = 0.1  # the share of customers a second member also follows
    remarks: float = 0.3  # the share of relations carrying a remark
    groups: int = 0
    group_size: int = 20  # customers per group, besides the owner and a few members
    tags: bool = True


def _hex_id(rng: random.Random, prefix: str) -> str:
    return f"{prefix}{rng.getrandbits(112):028x}"


def _ensure_members(corp: CorpState, rng: random.Random, count: int) -> list[str]:
    n = 0
    while len(corp.staff) < count:
        n += 1
        userid = f"m{n:04d}"
        if userid not in corp.staff:
            corp.staff[userid] = SandboxStaff(userid=userid, name=person(rng)[0])
    return [u for u, s in corp.staff.items() if not s.resigned]


def _tags(corp: CorpState, rng: random.Random, at: int) -> list[str]:
    ids: list[str] = []
    for order, (group_name, names) in enumerate(TAG_GROUPS.items()):
        group_id = next(
            (g for g, v in corp.tag_groups.items() if v["group_name"] == group_name), None
        )
        if group_id is None:
            group_id = _hex_id(rng, "et")
            corp.tag_groups[group_id] = {
                "group_id": group_id,
                "group_name": group_name,
                "create_time": at,
                "order": order,
                "deleted": False,
            }
        for name in names:
            tag_id = next(
                (
                    t
                    for t, v in corp.tags.items()
                    if v["group_id"] == group_id and v["name"] == name
                ),
                None,
            )
            if tag_id is None:
                tag_id = _hex_id(rng, "et")
                corp.tags[tag_id] = {
                    "id": tag_id,
                    "name": name,
                    "group_id": group_id,
                    "create_time": at,
                    "order": 0,
                    "deleted": False,
                }
            ids.append(tag_id)
    return ids


def _relation(
    rng: random.Random, spec: WorldSpec, userid: str, customer: Customer, at: int, tags: list[str]
) -> Relation:
    rel = Relation(
        userid, customer.external_userid, added_at(rng, at), add_way=rng.choice(ADD_WAYS)
    )
    if rng.random() < spec.remarks:
        rel.remark = customer.name[:1] + rng.choice(REMARK_SUFFIXES)
        if rng.random() < 0.5:
            rel.description = rng.choice(DESCRIPTIONS)
    if rng.random() < 0.2:
        rel.remark_mobiles = (f"1{rng.choice('3589')}{rng.randrange(10**9):09d}",)
    if tags and rng.random() < 0.5:
        rel.tags = frozenset(rng.sample(tags, rng.randint(1, 2)))
    return rel


def _customer(rng: random.Random) -> Customer:
    name, gender = person(rng)
    customer = Customer(_hex_id(rng, "wm"), name, gender=gender)
    if rng.random() < 0.05:  # a few are WeCom users, who come with a company and position
        customer.type, customer.corp_name = 2, rng.choice(COMPANIES)
        customer.position = rng.choice(POSITIONS)
    elif rng.random() < 0.6:
        customer.unionid = _hex_id(rng, "o")
    return customer


def seed_world(corp: CorpState, spec: WorldSpec, at: int) -> dict[str, int]:
    """Adds the world `spec` describes to `corp` (no callbacks); returns what it made."""
    rng = random.Random(spec.seed)
    members = _ensure_members(corp, rng, spec.members)
    tags = _tags(corp, rng, at) if spec.tags else []
    made = {"members": len(members), "customers": 0, "relations": 0, "groups": 0}
    mine: dict[str, list[str]] = {u: [] for u in members}
    for userid in members:
        for _ in range(spec.customers_per_member):
            customer = _customer(rng)
            corp.customers[customer.external_userid] = customer
            followers = [userid]
            if len(members) > 1 and rng.random() < spec.shared:
                followers.append(rng.choice([u for u in members if u != userid]))
            for follower in followers:
                rel = _relation(rng, spec, follower, customer, at, tags)
                corp.relations[(follower, customer.external_userid)] = rel
                mine[follower].append(customer.external_userid)
            made["customers"] += 1
            made["relations"] += len(followers)
    made["group_members"] = 0
    for n in range(spec.groups):
        owner = rng.choice(members)
        group = _group(rng, spec, corp, owner, mine[owner], members, at, n)
        corp.groups[group.chat_id] = group
        made["groups"] += 1
        made["group_members"] += len(group.members)
    made["tags"] = len(tags)
    return made


def _group(
    rng: random.Random,
    spec: WorldSpec,
    corp: CorpState,
    owner: str,
    customers: list[str],
    members: list[str],
    at: int,
    n: int,
) -> Group:
    created = added_at(rng, at)
    name = f"{corp.staff[owner].name[:1]}老师的{rng.choice(GROUP_THEMES)}{n + 1}"
    group = Group(_hex_id(rng, "wr"), name, owner, created)
    group.members[owner] = Member(owner, 1, created, 1)
    helpers = rng.sample([u for u in members if u != owner], min(2, len(members) - 1))
    group.admins = helpers[:1]
    if rng.random() < 0.5:
        group.notice = "群内请勿发广告，有问题随时@群主。"
    joined = rng.sample(customers, min(spec.group_size, len(customers)))
    for userid in [*helpers, *joined]:
        scene = rng.choice((1, 2, 3))
        member = Member(
            userid,
            1 if userid in corp.staff else 2,
            created + rng.randrange(1, max(2, at - created)),
            scene,
            "" if scene == 3 else owner,
        )
        if rng.random() < 0.2:
            member.group_nickname = person(rng)[0] + rng.choice(("", "-上海", "-北京"))
        group.members[userid] = member
    return group
