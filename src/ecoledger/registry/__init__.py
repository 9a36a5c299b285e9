"""Registries of natural-resource rights, the 两山 resource bank, trading, green finance,
ecological credit and product traceability (issue 18), on the platform's store.

One ledger ties every right, pledge, trade and certificate to the valued asset:

* ``store`` — the tables (SQLAlchemy models on the platform's ``Base``, migration branch
  ``registry``): rights and packages of rights (one table, ``kind`` right | package), their VEP
  valuations, pledges, bank deposits, listings, bids, trades, settlements, retirements, and the
  registry ledger;
* ``ledger`` — the state machine (registered → valued → pledged | listed → traded → retired,
  released from a pledge, delisted; rights put into a package are ``packaged``) and its
  append-only, HMAC-chained ledger (one entry per transition, ``verify`` names the first bad one);
* ``finance`` — a VEP valuation certificate (``ecoledger.applications``) attached to a right or a
  package, pledges within a loan-to-value limit (``data/registry/pledge_rules.csv``), release, the
  register of pledged value per county;
* ``bank`` — deposits into a 两山 bank, packaging into projects, listings, bids, matching, trades,
  settlement records, retirement; carbon-sink rights claim their tonnes through the carbon
  module's double-claim guard (``ecoledger.carbon.claims``);
* ``api`` — ``/api/v1/registry/...`` on the platform; ``ecoledger registry …`` is the CLI.

Other parts plug into this core: ``parcels`` (reading and checking parcel boundaries),
``credit`` (ecological credit scoring, which may refuse a listing or a bid through
``bank.register_check``), ``trace`` and ``climate_quality`` (product traceability).
"""
