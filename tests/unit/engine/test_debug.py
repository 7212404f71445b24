from horde import User, constant, run_single_user, task
from horde.exceptions import StopUser


def test_run_single_user_prints_each_request_and_ends_with_the_user(capsys):
    class Single(User):
        wait_time = constant(0)
        done = 0

        @task
        def work(self):
            self.environment.events.request.fire(
                request_type="custom",
                name="step",
                response_time=2.0,
                response_length=5,
                exception=None,
                context={},
            )
            Single.done += 1
            if Single.done == 2:
                raise StopUser

    run_single_user(Single, include_length=True, loglevel=None)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split("\t") == ["type", "name".ljust(50), "resp_ms", "exception", "resp_len"]
    assert lines[1].split("\t") == ["custom", "step".ljust(50), "2", "", "5"]
    assert len(lines) == 3
