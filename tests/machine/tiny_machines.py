"""Small machines for the tests: an asynchronous ideal chip type written next to the machine dict."""
import os

from pbitsim.machine.spec import machine_from_dict

ASYNC_CHIP = """name = "async-ideal"
[topology]
kind = "model"
[clock]
mode = "asynchronous"
frequency_mhz = 1000.0
[timing]
neuron_time_ns = 1.0
"""


def async_machine(tmp_path, count=2, latency_ns=1.0, bandwidth=1e9, every_cycles=0, **tables):
    """``count`` asynchronous ideal chips (neuron time 1 ns, 1 ns clock cycle), all-to-all links."""
    path = os.path.join(tmp_path, "async-ideal.toml")
    with open(path, "w") as f:
        f.write(ASYNC_CHIP)
    data = {"chips": {"type": "async-ideal.toml", "count": count},
            "links": {"latency_ns": latency_ns, "bandwidth_spins_per_ns": bandwidth},
            "exchange": {"policy": "batched", "every_cycles": every_cycles} if every_cycles else {}}
    for k, v in tables.items():
        data[k] = v
    return machine_from_dict(data, source="test.toml", base_dir=str(tmp_path))
