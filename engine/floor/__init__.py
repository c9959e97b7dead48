"""The office floor: the queue at a service point (queue.py). Above the case engine: a ticket links to the
case its counter opens."""
