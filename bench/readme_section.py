"""Writes one harness's section of bench/README.md, leaving the other sections as they are."""
import os

README = os.path.join(os.path.dirname(__file__), "README.md")


def write_section(marker, report):
    """Replaces the section that starts with `marker` (up to the next '## ' heading) by
    `report`, or appends `report` when there is no such section."""
    head = "# Benchmarks\n\nThe last measured figures. Each section is rewritten by its harness.\n\n"
    text = open(README).read() if os.path.exists(README) else head
    if marker in text:
        at = text.index(marker)
        end = text.find("\n## ", at + len(marker))
        text = text[:at] + report.rstrip() + "\n" + (text[end:] if end >= 0 else "")
    else:
        text = text.rstrip() + "\n\n" + report
    with open(README, "w") as f:
        f.write(text)
