"""Unit tests of the progress engine: KPIs, period windows, achievement times, streak levels."""

from __future__ import annotations

from sandbox.progress import Activity, Period, Rule, period_progress, streak_levels

DAY = 86_400_000
P = Period(1, 10 * DAY, 20 * DAY - 1)
NOW = 15 * DAY


def tx(
    day: float,
    amount: float = 0,
    gross: float | None = None,
    qty: float = 1,
    store: int | None = None,
) -> Activity:
    return Activity(
        "TRANSACTION",
        "TransactionAdd",
        int(day * DAY),
        amount,
        amount if gross is None else gross,
        qty,
        store,
    )


def ev(day: float, name: str = "walk", **attrs: object) -> Activity:
    return Activity("EVENT", name, int(day * DAY), attributes=dict(attrs))


def progress(
    rule: Rule, activities: list[Activity], target: float | None = 100.0
) -> tuple[float, int | None]:
    result = period_progress(rule, P, target, activities, NOW)
    return result.achieved_value, result.achieved_ms


def test_count_sales_gross_quantity() -> None:
    acts = [tx(11, 40, 50, 2), tx(12, 70, 80, 3), tx(13, 10, 12, 1)]
    assert progress(Rule("COUNT", "TRANSACTION"), acts, 2) == (3, 12 * DAY)
    assert progress(Rule("SALES", "TRANSACTION"), acts) == (120, 12 * DAY)
    assert progress(Rule("GROSS_SALES", "LINEITEM"), acts) == (142, 12 * DAY)
    assert progress(Rule("QUANTITY", "TRANSACTION"), acts, 6) == (6, 13 * DAY)


def test_visit_counts_distinct_days() -> None:
    acts = [tx(11), tx(11.5), tx(12.2), tx(12.9)]
    assert progress(Rule("VISIT", "TRANSACTION"), acts, 2) == (2, int(12.2 * DAY))


def test_event_attribute_sums_the_named_attribute_of_matching_events_only() -> None:
    rule = Rule("EVENT_ATTRIBUTE", "EVENT", event_name="walk", attribute="steps")
    acts = [
        ev(11, steps=4000),
        ev(12, steps=7000),
        ev(12, "run", steps=99999),
        ev(13, steps="x"),
        tx(13, 5),
    ]
    assert progress(rule, acts, 10000) == (11000, 12 * DAY)


def test_event_count_and_visit() -> None:
    acts = [ev(11, "spin"), ev(11.1, "spin"), ev(14, "spin"), ev(14, "other")]
    assert progress(Rule("COUNT", "EVENT", event_name="spin"), acts, 3)[0] == 3
    assert progress(Rule("VISIT", "EVENT", event_name="spin"), acts, 3)[0] == 2


def test_activity_outside_the_period_does_not_count() -> None:
    acts = [tx(9.99, 500), tx(20, 500), tx(10, 1), tx(19.999, 2)]
    assert progress(Rule("SALES", "TRANSACTION"), acts)[0] == 3


def test_store_filter() -> None:
    rule = Rule("SALES", "TRANSACTION", store_ids=frozenset({7}))
    assert progress(rule, [tx(11, 10, store=7), tx(11, 20, store=8), tx(11, 40)])[0] == 10


def test_points_targets_have_no_activity_source() -> None:
    assert progress(Rule("ALL_POINTS", "POINTS"), [tx(11, 1000)]) == (0, None)


def test_not_achieved_without_target_value_or_below_it() -> None:
    assert progress(Rule("SALES", "TRANSACTION"), [tx(11, 99)]) == (99, None)
    assert progress(Rule("SALES", "TRANSACTION"), [tx(11, 99)], None) == (99, None)


def test_current_period_flag() -> None:
    assert period_progress(Rule("COUNT", "TRANSACTION"), P, 1, [], NOW).current
    assert not period_progress(Rule("COUNT", "TRANSACTION"), P, 1, [], 30 * DAY).current


WEEKS = [Period(i, i * 7 * DAY, (i + 1) * 7 * DAY - 1) for i in range(5)]


def test_continuous_streak_resets_on_a_missed_period() -> None:
    achieved = [1 * DAY, 8 * DAY, None, 22 * DAY, None]
    levels = streak_levels(WEEKS, achieved, [2, 3], continuous=True, now_ms=30 * DAY)
    assert (levels[0].status, levels[0].current_count, levels[0].achieved_ms) == (
        "ACHIEVED",
        2,
        8 * DAY,
    )
    assert levels[0].achieved_period == 1
    # week 2 was missed, so the run restarted at week 3; week 4 is still running.
    assert (levels[1].status, levels[1].current_count) == ("IN_PROGRESS", 1)


def test_running_period_does_not_break_a_streak() -> None:
    levels = streak_levels(WEEKS[:3], [1 * DAY, None, None], [2], continuous=True, now_ms=8 * DAY)
    assert (levels[0].status, levels[0].current_count) == ("IN_PROGRESS", 1)


def test_non_continuous_streak_counts_every_achieved_period() -> None:
    achieved = [1 * DAY, None, 15 * DAY, None, 29 * DAY]
    levels = streak_levels(WEEKS, achieved, [3], continuous=False, now_ms=40 * DAY)
    assert (levels[0].status, levels[0].achieved_ms, levels[0].achieved_period) == (
        "ACHIEVED",
        29 * DAY,
        4,
    )


def test_streak_not_started() -> None:
    levels = streak_levels(WEEKS, [None] * 5, [1], continuous=True, now_ms=0)
    assert (levels[0].status, levels[0].current_count) == ("NOT_STARTED", 0)
