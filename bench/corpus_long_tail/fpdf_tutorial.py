# expect: success
# fpdf2 tutorial, "Minimal Example" (fpdf2's API: `text=`; the old fpdf 1.7 had `txt=`):
# the module `fpdf` is provided by fpdf (2015) and by its maintained successor fpdf2.
from fpdf import FPDF

pdf = FPDF()
pdf.add_page()
pdf.set_font("helvetica", style="B", size=16)
pdf.cell(40, 10, text="Hello World!")
pdf.output("tuto1.pdf")
print("wrote tuto1.pdf")
