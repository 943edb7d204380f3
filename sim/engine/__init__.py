"""The discrete-event side: distributions, outages, FIFO stores and links.

It schedules and logs; it computes no metric, prints nothing and plots nothing.
"""
