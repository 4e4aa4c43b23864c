"""`make run`'s server: Django's runserver (with static files) and a listen backlog for bursts.

Django's development server accepts 10 pending connections; a burst of 50 clients then
sees connections reset before the server ever reads them."""

from django.contrib.staticfiles.management.commands.runserver import Command as StaticfilesRunserverCommand
from django.core.servers.basehttp import WSGIServer


class BurstWSGIServer(WSGIServer):
    request_queue_size = 128


class Command(StaticfilesRunserverCommand):
    server_cls = BurstWSGIServer
