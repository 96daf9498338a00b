"""The hub (CHF + GPF), our ZigBee stack and the emulated HAN devices, written against hal/."""
