import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { parseBody } from '../common/validation.js';
import { ZodBody, ZodResponse } from '../common/openapi.js';
import {
  DistrictSchema,
  DistrictsSchema,
  GuardianSchema,
  SchoolClassSchema,
  SchoolClassesSchema,
  SchoolSchema,
  SchoolsSchema,
  StudentSchema,
  StudentSummariesSchema,
  type District,
  type Guardian,
  type School,
  type SchoolClass,
  type Student,
  type StudentSummary,
} from '@rfid/protocol';
import { CurrentCaller, HandlesPartialScope, Roles } from '../auth/decorators.js';
import { ScopeService } from '../auth/scope.service.js';
import type { Caller } from '../auth/caller.js';
import { PeopleService } from './people.service.js';
import {
  ClassPatchSchema,
  DistrictPatchSchema,
  NewClassSchema,
  NewDistrictSchema,
  NewGuardianSchema,
  NewSchoolSchema,
  NewStudentSchema,
  SchoolPatchSchema,
  StudentPatchSchema,
} from './people.schemas.js';

const ListQuery = z.object({
  q: z.string().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(5000).default(1000),
  offset: z.coerce.number().int().min(0).default(0),
});

/**
 * Districts, schools, classes, students and guardians. Reads: anyone, cut to their scope (an id
 * outside it is 404, see AuthGuard). Changes: staff (admin, district, school) inside their scope;
 * districts only by admins.
 */
@ApiTags('directory')
@ApiBearerAuth()
@Controller()
export class PeopleController {
  constructor(
    private readonly people: PeopleService,
    private readonly scope: ScopeService,
  ) {}

  @Get('districts')
  @ApiOperation({ summary: 'Districts in scope: `{id, code, name}`.' })
  @ZodResponse(DistrictsSchema)
  listDistricts(@CurrentCaller() caller: Caller): Promise<District[]> {
    return this.people.listDistricts(caller);
  }

  @Post('districts')
  @Roles('admin')
  @HttpCode(201)
  @ZodBody(NewDistrictSchema)
  @ZodResponse(DistrictSchema, { status: 201 })
  createDistrict(@CurrentCaller() caller: Caller, @Body() body: unknown): Promise<District> {
    return this.people.createDistrict(caller, parseBody(NewDistrictSchema, body));
  }

  @Patch('districts/:districtId')
  @Roles('admin')
  @ZodBody(DistrictPatchSchema)
  @ZodResponse(DistrictSchema)
  updateDistrict(
    @CurrentCaller() caller: Caller,
    @Param('districtId') id: string,
    @Body() body: unknown,
  ): Promise<District> {
    return this.people.updateDistrict(caller, id, parseBody(DistrictPatchSchema, body));
  }

  @Get('districts/:districtId/schools')
  @HandlesPartialScope()
  @ApiOperation({ summary: 'Schools of a district, cut to the caller’s scope.' })
  @ZodResponse(SchoolsSchema)
  schoolsOfDistrict(@CurrentCaller() caller: Caller, @Param('districtId') id: string): Promise<School[]> {
    return this.people.listSchools(caller, id);
  }

  @Get('schools')
  @ApiOperation({
    summary:
      'Schools in scope: `{id, code, name, districtId, timeZone, level, schoolDays, holidays, onTimeUntil, lateUntil, absenceCutoff, checkoutFrom, checkoutUntil}`.',
  })
  @ZodResponse(SchoolsSchema)
  listSchools(@CurrentCaller() caller: Caller): Promise<School[]> {
    return this.people.listSchools(caller);
  }

  @Post('schools')
  @Roles('admin', 'district')
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a school with its rules (admin, or a district user in its district).' })
  @ZodBody(NewSchoolSchema)
  @ZodResponse(SchoolSchema, { status: 201 })
  createSchool(@CurrentCaller() caller: Caller, @Body() body: unknown): Promise<School> {
    return this.people.createSchool(caller, parseBody(NewSchoolSchema, body));
  }

  @Get('schools/:schoolId')
  @HandlesPartialScope()
  @ZodResponse(SchoolSchema)
  getSchool(@Param('schoolId') id: string): Promise<School> {
    return this.people.getSchool(id);
  }

  @Patch('schools/:schoolId')
  @Roles('admin', 'district', 'school')
  @ApiOperation({
    summary:
      'Change name, level, time zone, school days (ISO 1–7), holidays (YYYY-MM-DD) and the times of the day (HH:MM).',
  })
  @ZodBody(SchoolPatchSchema)
  @ZodResponse(SchoolSchema)
  updateSchool(
    @CurrentCaller() caller: Caller,
    @Param('schoolId') id: string,
    @Body() body: unknown,
  ): Promise<School> {
    return this.people.updateSchool(caller, id, parseBody(SchoolPatchSchema, body));
  }

  @Get('schools/:schoolId/classes')
  @HandlesPartialScope()
  @ApiOperation({
    summary: 'Classes of a school in scope (a teacher: its classes; a parent: its children’s).',
  })
  @ZodResponse(SchoolClassesSchema)
  listClasses(@CurrentCaller() caller: Caller, @Param('schoolId') id: string): Promise<SchoolClass[]> {
    return this.people.listClasses(caller, id);
  }

  @Post('schools/:schoolId/classes')
  @Roles('admin', 'district', 'school')
  @HttpCode(201)
  @ZodBody(NewClassSchema)
  @ZodResponse(SchoolClassSchema, { status: 201 })
  createClass(
    @CurrentCaller() caller: Caller,
    @Param('schoolId') id: string,
    @Body() body: unknown,
  ): Promise<SchoolClass> {
    return this.people.createClass(caller, id, parseBody(NewClassSchema, body));
  }

  @Get('schools/:schoolId/students')
  @HandlesPartialScope()
  @ApiOperation({ summary: 'Students of a school in scope; `q` searches name or student code.' })
  @ApiQuery({ name: 'q', required: false })
  @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({ name: 'offset', required: false })
  @ZodResponse(StudentSummariesSchema)
  listSchoolStudents(
    @CurrentCaller() caller: Caller,
    @Param('schoolId') id: string,
    @Query() query: unknown,
  ): Promise<StudentSummary[]> {
    return this.people.listStudents(caller, { schoolId: id, ...parseBody(ListQuery, query) });
  }

  @Get('classes/:classId')
  @HandlesPartialScope()
  @ZodResponse(SchoolClassSchema)
  getClass(@Param('classId') id: string): Promise<SchoolClass> {
    return this.people.getClass(id);
  }

  @Patch('classes/:classId')
  @Roles('admin', 'district', 'school')
  @ZodBody(ClassPatchSchema)
  @ZodResponse(SchoolClassSchema)
  updateClass(
    @CurrentCaller() caller: Caller,
    @Param('classId') id: string,
    @Body() body: unknown,
  ): Promise<SchoolClass> {
    return this.people.updateClass(caller, id, parseBody(ClassPatchSchema, body));
  }

  @Get('classes/:classId/students')
  @HandlesPartialScope()
  @ZodResponse(StudentSummariesSchema)
  listClassStudents(
    @CurrentCaller() caller: Caller,
    @Param('classId') id: string,
    @Query() query: unknown,
  ): Promise<StudentSummary[]> {
    return this.people.listStudents(caller, { classId: id, ...parseBody(ListQuery, query) });
  }

  @Post('students')
  @Roles('admin', 'district', 'school')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Create a student in a class; `studentCode` is the national Mã định danh (unique).',
  })
  @ZodBody(NewStudentSchema)
  @ZodResponse(StudentSchema, { status: 201 })
  createStudent(@CurrentCaller() caller: Caller, @Body() body: unknown): Promise<Student> {
    return this.people.createStudent(caller, parseBody(NewStudentSchema, body));
  }

  @Get('students/:studentId')
  @ApiOperation({ summary: 'A student with guardians and cards.' })
  @ZodResponse(StudentSchema)
  getStudent(@Param('studentId') id: string): Promise<Student> {
    return this.people.getStudent(id);
  }

  @Patch('students/:studentId')
  @Roles('admin', 'district', 'school')
  @ZodBody(StudentPatchSchema)
  @ZodResponse(StudentSchema)
  updateStudent(
    @CurrentCaller() caller: Caller,
    @Param('studentId') id: string,
    @Body() body: unknown,
  ): Promise<Student> {
    return this.people.updateStudent(caller, id, parseBody(StudentPatchSchema, body));
  }

  @Post('students/:studentId/guardians')
  @Roles('admin', 'district', 'school')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Add a guardian; phones are normalised to 0… (`+84 912 345 678` → `0912345678`).',
  })
  @ZodBody(NewGuardianSchema)
  @ZodResponse(GuardianSchema, { status: 201 })
  addGuardian(
    @CurrentCaller() caller: Caller,
    @Param('studentId') id: string,
    @Body() body: unknown,
  ): Promise<Guardian> {
    return this.people.addGuardian(caller, id, parseBody(NewGuardianSchema, body));
  }
}
