"""The programmation of a call: what each financer puts into it (envelopes), the portfolio rules a
what-if scenario is checked against, live, before the comité des financeurs meets, the comité that freezes
one scenario into each financer's proposal (each financer then decides its own line, applications/domain/
financing.py), and the programmation's tables and totals.

Hard rules block the freezing of a scenario: each financer within its envelope, each amount within
what was requested, the hors-QPV share of P147 within 2.5 % of the departmental P147 envelope, each
application proposed and not programmed by a comité already. The check and the freeze apply the same
rules (`freeze_check`): a check that allows the freeze is followed by a freeze that succeeds, or that names
the rule that changed since. Soft
targets warn with their figures: degressivity of renewed actions, share of new actions, share of
cohésion sociale; leverage (co-financing per euro of P147) is reported.
"""
