from inspect import iscoroutinefunction

from app import Conduit


def _hooks(registry: dict) -> list:
    return [function for functions in registry.values() for function in functions]


def _error_handlers(app) -> list:
    return [
        handler
        for by_code in app.error_handler_spec.values()
        for by_class in by_code.values()
        for handler in by_class.values()
    ]


def test_the_app_calls_no_coroutine_function_since_it_runs_none_in_an_event_loop(app):
    assert isinstance(app, Conduit)
    called = [
        *app.view_functions.values(),
        *_hooks(app.before_request_funcs),
        *_hooks(app.after_request_funcs),
        *_hooks(app.teardown_request_funcs),
        *_hooks(app.url_value_preprocessors),
        *app.teardown_appcontext_funcs,
        *_error_handlers(app),
    ]

    assert len(called) > 50
    assert [function for function in called if iscoroutinefunction(function)] == []
