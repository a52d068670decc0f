# expect: success
# aztec_code_generator README ("Usage": an Aztec code printed as text).
from aztec_code_generator import AztecCode

aztec_code = AztecCode("Aztec Code 2D :)")
aztec_code.print_out()
