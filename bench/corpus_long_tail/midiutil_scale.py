# expect: success
# MIDIUtil documentation, "Quick Start" (a C-major scale written to a MIDI file);
# MIDIUtil is outside the 15,000 most-downloaded projects: the long tail.
from midiutil import MIDIFile

degrees = [60, 62, 64, 65, 67, 69, 71, 72]
track, channel, time, duration, tempo, volume = 0, 0, 0, 1, 60, 100
midi = MIDIFile(1)
midi.addTempo(track, time, tempo)
for i, pitch in enumerate(degrees):
    midi.addNote(track, channel, pitch, time + i, duration, volume)
with open("major-scale.mid", "wb") as output_file:
    midi.writeFile(output_file)
print("wrote major-scale.mid")
