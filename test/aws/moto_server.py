"""Starts moto's server with one correction of its EC2 model, so it behaves as AWS documents.

AWS detaches every network interface of an instance when it terminates (and deletes those created with
it, DeleteOnTermination); moto leaves them attached to the terminated instance. A network interface that
outlives its instance could then be neither detached (moto: "the network interface at device index 0
cannot be detached") nor used by a replacement. Arguments are moto_server's.
"""
import sys

from moto.ec2.models.instances import Instance
from moto.server import main

_terminate = Instance.terminate


def terminate(self):  # type: ignore[no-untyped-def]
    state = _terminate(self)
    # The interfaces are released; the terminated instance still lists them, as moto describes it from them.
    for nic in self.nics.values():
        if nic.instance is self:
            nic.instance = None
            nic.attachment_id = None
            nic.attach_time = None
            nic.status = "available"
    return state


Instance.terminate = terminate  # type: ignore[method-assign]

if __name__ == "__main__":
    main(sys.argv[1:])
