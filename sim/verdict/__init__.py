"""What a strategist can defend: the questions beyond one metric's ranking.

- :mod:`sim.verdict.ties`: practical equivalence, levers within a metric's materiality
  threshold of the best share first place;
- :mod:`sim.verdict.criteria`: every criterion at once, the share of worlds meeting every
  threshold, the regret on each metric and the share of worlds on the Pareto front;
- :mod:`sim.verdict.settings`: an option's own settings as levers, the robust setting and
  its break-even along the setting;
- :mod:`sim.verdict.spread`: the range of what may happen across worlds (percentiles), not
  only the interval of the mean;
- :mod:`sim.verdict.gains`: what each gain over the baseline costs, world by world;
- :mod:`sim.verdict.fixed`: which headline rests on which value the worlds did not sample.

Inputs are the runs table of a sweep, as :mod:`sim.robustness` reads it (a world column when
it sampled worlds); nothing here draws or prints.
"""
