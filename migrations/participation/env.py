from kit.migration_env import run_migrations
from services.participation.bodies import models as bodies  # noqa: F401 - each import registers its tables on Base.metadata
from services.participation.citizen_funds import models as citizen_funds  # noqa: F401
from services.participation.consultations import models as consultations  # noqa: F401
from services.participation.draws import models as draws  # noqa: F401
from services.participation.elections import models as elections  # noqa: F401
from services.participation.meetings import models as meetings  # noqa: F401
from services.participation.members import models as members  # noqa: F401
from services.participation.opinions import models as opinions  # noqa: F401
from services.participation.persistence import Base

run_migrations("participation", Base.metadata, "participation")
