"""init_command_line_parser, parsed_options, custom messages, quitting, process_exit_code."""

from locust import User, constant, events, task
from locust.runners import LocalRunner, WorkerRunner


@events.init_command_line_parser.add_listener
def add_options(parser, **kwargs):
    parser.add_argument(
        "--shop-name", type=str, env_var="LOCUST_SHOP_NAME", default="unset", help="a custom option"
    )
    parser.add_argument("--exit-with", type=int, default=0, include_in_web_ui=True)


@events.init.add_listener
def on_init(environment, runner, **kwargs):
    assert isinstance(runner, LocalRunner)
    assert not isinstance(runner, WorkerRunner)
    runner.register_message("hello", lambda environment, msg, **kw: print("MESSAGE", msg.data))


@events.test_start.add_listener
def on_test_start(environment, **kwargs):
    print("SHOP", environment.parsed_options.shop_name)
    environment.runner.send_message("hello", {"from": "test_start"})


@events.quitting.add_listener
def on_quitting(environment, **kwargs):
    if environment.parsed_options.exit_with:
        environment.process_exit_code = environment.parsed_options.exit_with


class Quiet(User):
    wait_time = constant(0.05)

    @task
    def work(self):
        assert self.environment.parsed_options.shop_name != ""
