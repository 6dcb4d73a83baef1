"""Writes /etc/nginx/conf.d/default.conf from the labels of swarm services and reloads the proxy."""
import time

import docker

CONF = "/etc/nginx/conf.d/default.conf"
BLOCK = """server {{
    listen 80;
    server_name {fqdn};
    resolver 127.0.0.11 valid=10s;
    location / {{
        set $upstream http://{service}:{port};
        proxy_pass $upstream;
    }}
}}
"""


def render(client):
    blocks = []
    for service in client.services.list():
        labels = service.attrs["Spec"].get("Labels", {})
        if "published_fqdn" in labels:
            blocks.append(BLOCK.format(fqdn=labels["published_fqdn"], service=service.name, port=labels.get("published_port", "80")))
    return "".join(blocks)


def main():
    client = docker.from_env()
    current = None
    while True:
        text = render(client)
        if text != current:
            with open(CONF, "w") as out:
                out.write(text)
            for container in client.containers.list(filters={"label": "com.docker.swarm.service.name=proxy"}):
                container.kill(signal="SIGHUP")
            current = text
        time.sleep(10)


if __name__ == "__main__":
    main()
