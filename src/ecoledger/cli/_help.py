"""The command line's help in the language of the command (``cli._lang.language``).

Every help text is a catalogue phrase named after the command's path: a command's help is
``cli.help.<path>``, an option's or argument's ``cli.help.<path>.<parameter>`` (``cli.help.account``,
``cli.help.account.year``, ``cli.help.pack.build.out``, ``cli.help.platform.add-user.role``; the
root is ``cli.help.ecoledger``), declared beside the command. The commands declare no help
themselves: ``localise`` writes the phrases into the click objects typer built when help is
printed, so the help follows ``--lang`` (``ecoledger --lang zh account --help``) as well as
``ECOLEDGER_LANG`` and the locale. Typer's own words (panel titles, ``[default: …]``,
``[required]``, ``Usage:``, the hint after a usage error) are set for that moment too
(``typer_words``). Light: imports only typer and the catalogue.
"""

from __future__ import annotations

from contextlib import contextmanager

from ecoledger.messages import CATALOGUE, register, text

ROOT = "ecoledger"  # the root group's name, left out of key paths
NO_SUCH_COMMAND = "No such command "  # how typer words an unknown command (typer.core)

register({
    "usage": ("用法：", "Usage: "),
    "arguments": ("参数", "Arguments"),
    "options": ("选项", "Options"),
    "commands": ("命令", "Commands"),
    "error": ("错误", "Error"),
    "default": ("[默认 {}]", "[default: {}]"),
    "required": ("[必填]", "[required]"),
    "envvar": ("[环境变量 {}]", "[env var: {}]"),
    "deprecated": ("（已弃用）", "(deprecated) "),
    "aborted": ("已中止。", "Aborted."),
    "try_help": ("运行 [blue]'{command_path} {help_option}'[/] 查看帮助。",
                 "Try [blue]'{command_path} {help_option}'[/] for help."),
    "help_option": ("显示此帮助并退出", "Show this message and exit."),
    # click's usage errors
    "missing.argument": ("缺少参数 {name}。", "Missing argument {name}."),
    "missing.option": ("缺少选项 {name}。", "Missing option {name}."),
    "missing.parameter": ("缺少参数 {name}。", "Missing parameter {name}."),
    "no_such_option": ("没有选项 {name}。", "No such option: {name}"),
    "did_you_mean": ("{message}是否为：{choices}？", "{message} Did you mean {choices}?"),
    "bad_value": ("{name} 的值无效：{message}", "Invalid value for {name}: {message}"),
    "no_such_command": ("没有命令 {name!r}。", "No such command {name!r}."),
}, prefix="cli.typer.")

# typer.rich_utils' module constants and the catalogue phrase each is set to while help or a
# usage error is printed in another language than English
_TYPER_WORDS = {
    "ARGUMENTS_PANEL_TITLE": "arguments",
    "OPTIONS_PANEL_TITLE": "options",
    "COMMANDS_PANEL_TITLE": "commands",
    "ERRORS_PANEL_TITLE": "error",
    "DEFAULT_STRING": "default",
    "REQUIRED_LONG_STRING": "required",
    "ENVVAR_STRING": "envvar",
    "DEPRECATED_STRING": "deprecated",
    "ABORTED_TEXT": "aborted",
    "RICH_HELP": "try_help",
}


def key_path(ctx) -> list[str]:
    """The names of the commands from the root to ``ctx``'s, the root ``ecoledger`` left out."""
    names = []
    while ctx is not None:
        names.append(ctx.command.name or "")
        ctx = ctx.parent
    names.reverse()
    return names[1:] if names and names[0] == ROOT else names


def help_key(path) -> str:
    """The catalogue key of the help of the command at ``path`` (a list of names)."""
    return "cli.help." + (".".join(path) or ROOT)


def localise(command, path, lang: str) -> None:
    """Write the help of ``command`` (at ``path``), of its parameters and of its subcommands (the
    one-line help of a group's listing) in ``lang`` into the click objects."""
    key = help_key(path)
    if key in CATALOGUE:
        command.help = text(key, lang)
    for param in command.params:
        name = f"{key}.{param.name}"
        if name in CATALOGUE:
            param.help = text(name, lang)
    for name, sub in getattr(command, "commands", {}).items():
        sub_key = help_key([*path, name])
        if sub_key in CATALOGUE:
            sub.help = text(sub_key, lang)


@contextmanager
def typer_words(lang: str):
    """Typer's own words in ``lang`` for the time of the block (English is typer's own)."""
    if lang == "en":
        yield
        return
    from typer import rich_utils

    saved = {name: getattr(rich_utils, name) for name in (*_TYPER_WORDS, "_make_rich_text")}
    make_text = saved["_make_rich_text"]

    def folded(**kwargs):
        # rich breaks lines at spaces only and cuts a longer "word" with "…": a Chinese
        # sentence is one such word, so it is folded at the column's edge instead
        made = make_text(**kwargs)
        if getattr(made, "overflow", "") is None:
            made.overflow = "fold"
        return made

    try:
        for name, key in _TYPER_WORDS.items():
            setattr(rich_utils, name, text(f"cli.typer.{key}", lang))
        rich_utils._make_rich_text = folded
        yield
    finally:
        for name, value in saved.items():
            setattr(rich_utils, name, value)


def usage_error(exc, lang: str):
    """A click usage error worded in ``lang``: a missing or unknown option or argument, a bad
    value (click's detail, such as "'x' is not a valid integer", stays as click words it), an
    unknown command; any other is returned as it is."""
    from typer._click.exceptions import BadParameter, MissingParameter, NoSuchOption, UsageError

    def say(key: str, **fields) -> str:
        return text(f"cli.typer.{key}", lang, **fields)

    def hint() -> str:
        given = exc.param_hint if exc.param_hint is not None else exc.param.get_error_hint()
        return given if isinstance(given, str) else " / ".join(repr(h) for h in given)

    known = (getattr(exc, "param_hint", None) is not None
             or getattr(exc, "param", None) is not None)
    if isinstance(exc, MissingParameter) and known and not exc.message:
        kind = exc.param_type or (exc.param.param_type_name if exc.param else "")
        message = say(f"missing.{kind if kind in ('argument', 'option') else 'parameter'}",
                      name=hint())
    elif isinstance(exc, NoSuchOption):
        message = say("no_such_option", name=exc.option_name)
        if exc.possibilities:
            message = say("did_you_mean", message=message,
                          choices=("、" if lang == "zh" else ", ").join(sorted(exc.possibilities)))
    elif isinstance(exc, BadParameter) and not isinstance(exc, MissingParameter) and known:
        message = say("bad_value", name=hint(), message=exc.message)
    elif type(exc) is UsageError and exc.message.startswith(NO_SUCH_COMMAND):
        message = say("no_such_command", name=exc.message[len(NO_SUCH_COMMAND):].strip(".'\""))
    else:
        return exc
    worded = UsageError(message, exc.ctx)
    worded.exit_code = exc.exit_code
    return worded


def declare(path: str, phrases) -> None:
    """Register the help of the command at ``path`` (``"account"``, ``"pack.build"``): the key
    ``""`` is the command's own help, every other key a parameter's (its Python name)."""
    register({(f".{name}" if name else ""): given for name, given in phrases.items()},
             prefix=f"cli.help.{path}")
