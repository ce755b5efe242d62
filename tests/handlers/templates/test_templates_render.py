"""Message templates: every kind renders with its required fields, locales fall back, check finds faults."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from handlers.journey.proposals import MessageKind
from handlers.messages import Button, Link, Reply
from handlers.templates import (
    REQUIRED_FIELDS,
    MessageTemplates,
    TemplateMissing,
    TemplateRenderError,
    check_templates,
    default_template_dir,
    preview,
    render,
)
from handlers.templates.samples import sample_context, sample_contexts

TRACK = "https://www.ups.com/track?tracknum=1Z999AA10123456784"
SUPPORT = "https://help.doorstep-demo.shop/articles/contact-support"


@pytest.fixture
def template_copy(tmp_path: Path) -> Path:
    """A writable copy of the bundled templates."""
    target = tmp_path / "templates"
    for locale in ("en", "de"):
        shutil.copytree(default_template_dir() / locale, target / locale)
    return target


def test_the_bundled_templates_pass_the_check() -> None:
    assert check_templates() == []


@pytest.mark.parametrize("kind", list(MessageKind))
def test_every_kind_renders_its_required_fields(kind: MessageKind) -> None:
    for context in sample_contexts(kind):
        reply = render(kind, "en", context)
        assert "1001" in reply.text
        assert context["help_url"] in reply.text
        assert SUPPORT in reply.text
        assert "Next" in reply.text or "next" in reply.text  # the next action is spelled out
        assert reply.buttons[-1] == Button("Talk to us", "human_agent")
    assert set(REQUIRED_FIELDS[kind]) >= {"order_number", "help_url", "support_url"}


def test_a_shipped_message_reads_well_and_links_the_parcel() -> None:
    reply = render("shipped", "en", sample_context(MessageKind.SHIPPED))
    assert reply.text == (
        "Good news, Ann: your Barista Pro Espresso Machine and 2 × Stoneware Mug Set of 4 (order 1001) "
        "have shipped with UPS.\n"
        "They should arrive Tuesday 24 November.\n\n"
        'Next: follow your parcel with the "Track parcel" link.\n\n'
        "How tracking works: https://help.doorstep-demo.shop/articles/track-your-order\n"
        f'Need us? Reply "talk to a person" here any time, or see {SUPPORT}'
    )
    # the tracking page is a link once; the help article is already in the text, so no second link
    assert reply.links == [Link("Track parcel", TRACK)]
    assert reply.buttons == [Button("Where is it now?", "order_status"), Button("Talk to us", "human_agent")]


def test_the_setup_guide_links_the_products_guide() -> None:
    reply = render(MessageKind.SETUP_GUIDE, "en", sample_context(MessageKind.SETUP_GUIDE))
    guide = "https://help.doorstep-demo.shop/articles/es-900-setup"
    assert f"- Barista Pro Espresso Machine: {guide}" in reply.text
    assert reply.links == []  # the guide's URL is in the text already
    assert reply.buttons == [Button("Setup guide", "setup_help"), Button("Talk to us", "human_agent")]


def test_each_delay_reason_has_its_own_words() -> None:
    texts = [render("delayed", "en", c).text.splitlines()[0] for c in sample_contexts(MessageKind.DELAYED)]
    assert texts == [
        "UPS tells us your order 1001 is delayed. The new expected date is Friday 27 November.",
        "Your order 1001 hasn't arrived by the date we gave you (Tuesday 24 November). Sorry about that; we're on it.",
        "Your order 1001 hasn't moved with UPS since Monday 23 November. We're checking with them.",
        "Your order 1001 is taking longer than planned to leave our warehouse "
        "(we expected to ship it Sunday 22 November). Sorry about that.",
    ]


def test_locales_fall_back_to_the_language_then_english() -> None:
    templates = MessageTemplates()
    context = sample_context(MessageKind.SHIPPED, "de")
    german = templates.render(MessageKind.SHIPPED, "de-AT", context)
    assert german.text.startswith("Gute Nachrichten: Ihre Bestellung 1001 ist mit UPS unterwegs.")
    assert "Voraussichtliche Zustellung: Dienstag, 24. November." in german.text
    assert german.buttons[0] == Button("Wo ist sie jetzt?", "order_status")
    assert german.links == []  # the German text shows the tracking URL itself
    assert templates.template_name(MessageKind.SHIPPED, "de_DE") == "de/shipped.txt.j2"
    # no German refund template: English text with English buttons
    assert templates.template_name(MessageKind.REFUND_ISSUED, "de") == "en/refund_issued.txt.j2"
    refund = templates.render(
        MessageKind.REFUND_ISSUED, "de", sample_context(MessageKind.REFUND_ISSUED, "de")
    )
    assert refund.text.startswith("We've refunded 549.00 USD for your order 1001.")
    assert refund.buttons == [Button("Talk to us", "human_agent")]
    assert templates.template_name(MessageKind.SHIPPED, None) == "en/shipped.txt.j2"
    assert templates.template_name(MessageKind.SHIPPED, "fr") == "en/shipped.txt.j2"


def test_a_context_missing_a_field_is_an_error_not_a_gap() -> None:
    context = sample_context(MessageKind.SHIPPED)
    del context["carrier"]
    with pytest.raises(TemplateRenderError, match=r"en/shipped.txt.j2: 'carrier' is undefined"):
        render(MessageKind.SHIPPED, "en", context)


def test_a_kind_without_any_template_is_reported(template_copy: Path) -> None:
    (template_copy / "en" / "lost.txt.j2").unlink()
    with pytest.raises(TemplateMissing, match="no template for lost"):
        MessageTemplates(template_copy).render(MessageKind.LOST, "en", sample_context(MessageKind.LOST))
    assert check_templates(template_copy) == ["en/lost.txt.j2: missing"]


def test_check_catches_a_template_missing_a_required_field(template_copy: Path) -> None:
    path = template_copy / "de" / "shipped.txt.j2"
    path.write_text(
        "Ihre Bestellung {{ order_number }} ist mit {{ carrier }} unterwegs. {{ help_url }} {{ support_url }}\n"
    )
    assert check_templates(template_copy) == [
        "de/shipped.txt.j2: does not use required field 'tracking_url'",
        "de/shipped.txt.j2: does not use required field 'eta'",
    ]


def test_check_catches_syntax_errors_unknown_fields_and_stray_files(template_copy: Path) -> None:
    (template_copy / "en" / "lost.txt.j2").write_text(
        "Order {{ order_number }} {{ carrier }} {{ help_url }} {{ support_url }}\n{% if carrier %}lost\n"
    )
    (template_copy / "en" / "delivered.txt.j2").write_text(
        "Order {{ order_number }} left at {{ parcel_colour }} {{ help_url }} {{ support_url }}\n"
    )
    (template_copy / "en" / "teleported.txt.j2").write_text("{{ order_number }}\n")
    problems = check_templates(template_copy)
    assert problems == [
        "en/delivered.txt.j2: fails to render the sample: 'parcel_colour' is undefined",
        "en/lost.txt.j2:2: syntax error: Unexpected end of template. Jinja was looking for the following tags: "
        "'elif' or 'else' or 'endif'. The innermost block that needs to be closed is 'if'.",
        problems[2],
    ]
    assert problems[2].startswith("en/teleported.txt.j2: not a message kind")


def test_preview_shows_text_links_and_buttons() -> None:
    shown = preview("out_for_delivery")
    assert shown.startswith(
        "--- en/out_for_delivery.txt.j2 ---\nYour Barista Pro Espresso Machine and 2 × Stoneware Mug Set of 4 "
        "(order 1001) are out for delivery with UPS today."
    )
    assert f"[link] Track parcel: {TRACK}" in shown
    assert shown.endswith("[button] Where is it now? -> order_status\n[button] Talk to us -> human_agent")
    assert preview("delayed", "de").startswith("--- de/delayed.txt.j2 ---\nUPS meldet")


def test_a_template_is_read_once_per_instance_and_fresh_by_a_new_one(template_copy: Path) -> None:
    templates = MessageTemplates(template_copy)
    context = sample_context(MessageKind.DELIVERED)
    before = templates.render_text(MessageKind.DELIVERED, "en", context)
    (template_copy / "en" / "delivered.txt.j2").write_text("Changed: {{ order_number }} {{ help_url }}")
    (template_copy / "fr").mkdir()
    (template_copy / "fr" / "delivered.txt.j2").write_text("Livré : {{ order_number }} {{ help_url }}")
    assert templates.render_text(MessageKind.DELIVERED, "en", context) == before
    assert templates.template_name(MessageKind.DELIVERED, "fr") == "fr/delivered.txt.j2"  # not looked up yet
    fresh = MessageTemplates(template_copy)
    assert fresh.render_text(MessageKind.DELIVERED, "en", context).startswith("Changed: ")


def _urls(reply: Reply) -> list[str]:
    return re.findall(r"https://\S+", reply.text) + [link.url for link in reply.links]


@pytest.mark.parametrize("kind", list(MessageKind))
def test_no_url_goes_out_twice_in_a_message(kind: MessageKind) -> None:
    for locale in ("en", "de"):
        for context in sample_contexts(kind, locale):
            urls = _urls(render(kind, locale, context))
            assert len(urls) == len(set(urls)), (kind, locale, urls)


def test_messages_for_several_items_and_a_far_time_zone() -> None:
    """A multi-item order for a customer in Auckland (13 hours ahead of UTC)."""

    def far(kind: MessageKind, **changes: object) -> Reply:
        context = {**sample_context(kind), "timezone": "Pacific/Auckland", **changes}
        return render(kind, "en", context)

    shipped = far(MessageKind.SHIPPED)
    assert shipped.text.startswith(
        "Good news, Ann: your Barista Pro Espresso Machine and 2 × Stoneware Mug Set of 4 (order 1001) "
        "have shipped with UPS.\nThey should arrive Tuesday 24 November."
    )
    out = far(MessageKind.OUT_FOR_DELIVERY).text
    assert out.startswith(
        "Your Barista Pro Espresso Machine and 2 × Stoneware Mug Set of 4 (order 1001) are out for delivery "
        "with UPS today.\n\nNext: please make sure someone can take them in;"
    )
    assert out.count("UPS") == 1 and "tomorrow" not in out
    assert far(MessageKind.DELIVERED).text.startswith(
        "Your Barista Pro Espresso Machine and 2 × Stoneware Mug Set of 4 (order 1001) have been delivered"
    )
    single = {
        **sample_context(MessageKind.DELIVERED),
        "items": [sample_context(MessageKind.DELIVERED)["items"][0]],
    }
    assert render(MessageKind.DELIVERED, "en", single).text.startswith(
        "Your Barista Pro Espresso Machine (order 1001) has been delivered"
    )
    failed = far(MessageKind.ATTEMPT_FAILED).text
    assert failed.count("UPS") == 1
    # the last scan at 11:30 UTC on Monday 23 November is already Tuesday 24 November in Auckland
    stalled = sample_contexts(MessageKind.DELAYED)[2]
    moment = "2026-11-23T11:30:00+00:00"
    in_auckland = render(
        MessageKind.DELAYED, "en", {**stalled, "timezone": "Pacific/Auckland", "last_scan_at": moment}
    )
    in_new_york = render(
        MessageKind.DELAYED, "en", {**stalled, "timezone": "America/New_York", "last_scan_at": moment}
    )
    assert in_auckland.text.startswith("Your order 1001 hasn't moved with UPS since Tuesday 24 November.")
    assert in_new_york.text.startswith("Your order 1001 hasn't moved with UPS since Monday 23 November.")
