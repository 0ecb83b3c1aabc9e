"""The render cache is shared: a chart drawn by one process is read by another without drawing it, and two
requests drawing the same chart at once both answer and keep one row (real threads and processes, on the
test database: SQLite or PostgreSQL)."""

import multiprocessing
import threading

from sqlalchemy import func, select

from tumorboard.extensions import db
from tumorboard.render_cache import ChartRender, cached_svg, chart_key


def _read_in_another_process(url: str, key: str, answers) -> None:
    from config import TestConfig
    from tumorboard import create_app

    def must_not_draw() -> str:
        raise AssertionError("the other process drew the chart again")

    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        try:
            answers.put(cached_svg(key, must_not_draw))
        except AssertionError as exc:
            answers.put(f"error: {exc}")
        finally:
            db.session.remove()
            db.engine.dispose()


def test_another_process_reads_the_chart_drawn_here(isolated_app):
    app = isolated_app()
    key = chart_key("test-shared", 1)
    with app.app_context():
        assert cached_svg(key, lambda: "<svg>drawn once</svg>") == "<svg>drawn once</svg>"
        db.session.commit()
        url = app.config["SQLALCHEMY_DATABASE_URI"]
    context = multiprocessing.get_context("spawn")
    answers = context.Queue()
    process = context.Process(target=_read_in_another_process, args=(url, key, answers))
    process.start()
    try:
        answer = answers.get(timeout=120)
    finally:
        process.join(timeout=60)
    assert answer == "<svg>drawn once</svg>"
    assert process.exitcode == 0


def test_two_requests_drawing_the_same_chart_both_answer_and_keep_one_row(isolated_app):
    """On PostgreSQL both requests miss and draw (a barrier holds them until both have), and the second
    insert gives way to the first. SQLite takes the write lock at BEGIN (tumorboard.db.configure_sqlite),
    so there the second request waits for the first and finds its chart: one draw."""
    app = isolated_app()
    with app.app_context():
        racing = db.engine.dialect.name == "postgresql"
    key = chart_key("test-race", 1)
    both_missed = threading.Barrier(2, timeout=30)
    answers: list[str] = []
    draws: list[int] = []
    errors: list[BaseException] = []

    def draw() -> str:
        draws.append(1)
        if racing:
            both_missed.wait()  # both have looked and found nothing: both draw
        return "<svg>same</svg>"

    def request() -> None:
        with app.app_context():
            try:
                answers.append(cached_svg(key, draw))
                db.session.commit()
            except BaseException as exc:  # noqa: BLE001 (reported below)
                errors.append(exc)
                db.session.rollback()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=request) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert answers == ["<svg>same</svg>", "<svg>same</svg>"]
    assert len(draws) == (2 if racing else 1)
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(ChartRender.key == key)) == 1
