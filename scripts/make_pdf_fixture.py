#!/usr/bin/env python3
"""Dev-only: writes Tests/Fixtures/retrieval/two-pages.pdf, a minimal two-page PDF 1.4 built by
hand (Python 3 standard library only: objects, a Helvetica font, one text stream per page, and
an exact xref table), so the PDF ingestion test has a document whose text is known. The test
extracts it with poppler's pdftotext (Debian poppler-utils 22.12) through DocumentLoader.
Command: python3 scripts/make_pdf_fixture.py
"""
import os

PAGES = ["Quinces are pomes that ripen late in autumn.", "Hesperidia such as lemons have a leathery rind."]


def build():
    objs = ["<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [%s] /Count %d >>" % (" ".join(f"{4 + 2 * i} 0 R" for i in range(len(PAGES))), len(PAGES)),
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    for i, text in enumerate(PAGES):
        stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET"
        objs.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents {5 + 2 * i} 0 R >>")
        objs.append(f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream")
    out = b"%PDF-1.4\n"
    offsets = []
    for n, body in enumerate(objs, start=1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


if __name__ == "__main__":
    path = os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "retrieval", "two-pages.pdf")
    open(path, "wb").write(build())
    print(path)
