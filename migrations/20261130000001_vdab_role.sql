-- VDAB account managers: they read the cooperation agreements of the werkingsgebieden an admin
-- assigned to them and add progress notes and meeting minutes there. A value added to an enum
-- cannot be used in the transaction that adds it, hence its own migration.
alter type user_role add value if not exists 'vdab';
