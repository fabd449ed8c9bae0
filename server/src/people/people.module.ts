import { Module } from '@nestjs/common';
import { PeopleController } from './people.controller.js';
import { PeopleService } from './people.service.js';
import { DistrictsRepository } from './districts.repository.js';
import { SchoolsRepository } from './schools.repository.js';
import { ClassesRepository } from './classes.repository.js';
import { StudentsRepository } from './students.repository.js';
import { GuardiansRepository } from './guardians.repository.js';

const REPOSITORIES = [
  DistrictsRepository,
  SchoolsRepository,
  ClassesRepository,
  StudentsRepository,
  GuardiansRepository,
];

@Module({
  controllers: [PeopleController],
  providers: [PeopleService, ...REPOSITORIES],
  exports: [PeopleService, ...REPOSITORIES],
})
export class PeopleModule {}
